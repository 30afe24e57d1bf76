/** Builders for API objects (docs/contract.md shapes); tests override what they care about. */
function aPrice(o = {}) {
  return Object.assign({ period: 'flat', energy_fen_per_kwh: 80, service_fen_per_kwh: 40, total_fen_per_kwh: 120, until: '2030-01-01T10:00:00Z' }, o)
}

function aStation(o = {}) {
  return Object.assign({
    id: 1, name: '科技园充电站', address: '深圳市南山区科技园1号', lat: 22.54, lng: 114.05,
    coordinate_system: 'GCJ-02', distance_m: 850, total: 8, free: 3, occupied: 4, faulted: 1, offline: 0,
    kinds: ['dc', 'ac'], max_power_w: 120000, price_now: aPrice(), rating: { average: 4.5, count: 12 },
  }, o)
}

function aConnector(o = {}) {
  return Object.assign({
    charge_point_id: 'CP-1', connector_id: 1, kind: 'dc', type: 'GB/T DC', max_power_w: 60000,
    status: 'free', ocpp_status: 'Available', qr: 'https://qr.example.com/c/CP-1/1',
  }, o)
}

function aStationDetail(o = {}) {
  return Object.assign(aStation(), {
    timezone: 'Asia/Shanghai', opening_hours: '00:00-24:00', photos: [], favourite: false,
    idle_fee_fen_per_min: 50, idle_grace_minutes: 15,
    tariff_today: [
      { start: '00:00', end: '08:00', period: 'valley', energy_fen_per_kwh: 30, service_fen_per_kwh: 40, total_fen_per_kwh: 70 },
      { start: '08:00', end: '24:00', period: 'flat', energy_fen_per_kwh: 80, service_fen_per_kwh: 40, total_fen_per_kwh: 120 },
    ],
    connectors: [aConnector(), aConnector({ connector_id: 2, status: 'occupied', qr: 'https://qr.example.com/c/CP-1/2' })],
  }, o)
}

function aPayment(o = {}) {
  return Object.assign({
    id: 'pay-1', kind: 'topup', state: 'pending', amount_fen: 5000, refunded_fen: 0, out_trade_no: 'T1',
    order_id: null, created_at: '2024-05-01T02:00:00Z', paid_at: null,
    pay_params: { timeStamp: '1714500000', nonceStr: 'n1', package: 'prepay_id=wx123', signType: 'RSA', paySign: 'sig' },
  }, o)
}

function aSession(o = {}) {
  return Object.assign({
    order_id: 'ord-1', state: 'charging', step: 'charging', reason: null, charge_point_id: 'CP-1', connector_id: 1,
    station_id: 1, pay_mode: 'wallet', funds_fen: 10000, started_at: '2024-05-01T02:00:00Z', stopped_at: null,
    elapsed_s: 600, energy_wh: 5200, energy_kwh: 5.2, power_w: 30500, power_kw: 30.5, soc: 48, cost_fen: 624,
    stop_at: null, payment: null,
  }, o)
}

function anOrder(o = {}) {
  return Object.assign({
    id: 'ord-1', state: 'paid', charge_point_id: 'CP-1', connector_id: 1, station_id: 1, station_name: '科技园充电站',
    transaction_id: 7, pay_mode: 'wallet', prepay_fen: null, energy_wh: 10000, energy_fen: 800, service_fen: 400,
    idle_fee_fen: 0, total_fen: 1200, paid_fen: 1200, refunded_fen: 0, stop_reason: 'driver',
    created_at: '2024-05-01T02:00:00Z', started_at: '2024-05-01T02:00:10Z', stopped_at: '2024-05-01T03:00:00Z',
    settled_at: '2024-05-01T03:00:05Z',
    bill_lines: [{ period: 'flat', start: '2024-05-01T02:00:10Z', end: '2024-05-01T03:00:00Z', energy_wh: 10000,
      energy_price_fen_per_kwh: 80, service_price_fen_per_kwh: 40, energy_fen: 800, service_fen: 400, amount_fen: 1200 }],
    rated: false,
  }, o)
}

function aUser(o = {}) {
  return Object.assign({ id: 1, nickname: '车主', avatar_url: '', phone: null, phone_bound: false, balance_fen: 5000, created_at: '2024-01-01T00:00:00Z' }, o)
}

function aDriverConfig(o = {}) {
  return Object.assign({
    qr_base_url: 'https://qr.example.com/c', min_wallet_fen: 1000, min_prepay_fen: 1000, max_prepay_fen: 50000,
    bill_template_id: 'tpl-bill', complete_template_id: 'tpl-done', signature_window: 300,
    reservation_hold_minutes: 15, reservation_fee_fen: 0,
  }, o)
}

function aScan(o = {}) {
  return Object.assign({
    charge_point_id: 'CP-1', connector_id: 1, station: { id: 1, name: '科技园充电站', address: '深圳市南山区科技园1号' },
    connector: aConnector(), price_now: aPrice(), balance_fen: 5000, min_wallet_fen: 1000, can_start: true, reason: null,
  }, o)
}

module.exports = { aPrice, aStation, aConnector, aStationDetail, aPayment, aSession, anOrder, aUser, aDriverConfig, aScan }
