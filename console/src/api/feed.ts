// The operator live feed (GET /api/v1/admin/ws, docs/contract.md "Operator live feed"): one socket
// for the whole console. Pages register handlers by message type; the charge point page asks for a
// charge point's OCPP frames with tail(). The socket reconnects with backoff, subscribes again, and
// tells listeners it reconnected so they reload what they may have missed. A 4401 (expired or
// invalid token) ends the session: the login page says why.
import { ref } from 'vue'
import { session, signOut } from '@/stores/session'
import type { Alarm, OcppMessage, WorkOrder } from './types'

export interface ChargePointEvent {
  id: string
  online: boolean
  protocol: string | null
  event: 'connected' | 'disconnected' | 'booted'
  at: string
  status?: string
  vendor?: string | null
  model?: string | null
  firmware_version?: string | null
}

export interface ConnectorEvent {
  charge_point_id: string
  evse_id: number
  connector_id: number
  status: string
  previous: string | null
  error_code: string | null
  at: string
}

export interface TransactionEvent {
  id: number
  charge_point_id: string
  connector_id: number
  event: 'started' | 'updated' | 'stopped'
  energy_wh: number
  power_w: number | null
  soc: number | null
  id_tag: string | null
  reason: string | null
  at: string
}

export interface NoticeEvent { charge_point_id: string; kind: string; data: Record<string, unknown>; at: string }

export interface FeedMessages {
  charge_point: ChargePointEvent
  connector: ConnectorEvent
  transaction: TransactionEvent
  notice: NoticeEvent
  message: OcppMessage
  /** `event`: raised | repeated | acknowledged | assigned | resolved */
  alarm: Alarm
  /** `event`: opened | assigned | noted | updated | in_progress | resolved | closed | open */
  work_order: WorkOrder
}

/** `event` is the message's own `event` field (alarm and work order changes say what happened). */
type Handler<K extends keyof FeedMessages> = (data: FeedMessages[K], event?: string) => void
export type FeedState = 'idle' | 'connecting' | 'open' | 'closed'

const UNAUTHORIZED = 4401
const MAX_DELAY = 15000

export function feedUrl(token: string, location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/api/v1/admin/ws?token=${encodeURIComponent(token)}`
}

export class Feed {
  readonly state = ref<FeedState>('idle')
  private socket: WebSocket | null = null
  private handlers = new Map<string, Set<(data: never, event?: string) => void>>()
  private reconnectListeners = new Set<() => void>()
  private tails = new Map<string, number>()        // charge point id -> how many pages tail it
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private pinger: ReturnType<typeof setInterval> | undefined
  private opened = false

  start(): void {
    if (this.socket || !session.token) return
    this.connect()
  }

  stop(): void {
    clearTimeout(this.timer)
    clearInterval(this.pinger)
    const socket = this.socket
    this.socket = null
    this.opened = false
    socket?.close(1000)
    this.state.value = 'idle'
  }

  on<K extends keyof FeedMessages>(type: K, handler: Handler<K>): () => void {
    const set = this.handlers.get(type) ?? new Set()
    set.add(handler as (data: never, event?: string) => void)
    this.handlers.set(type, set)
    return () => set.delete(handler as (data: never, event?: string) => void)
  }

  /** Called after the socket came back from a break (not on the first open). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener)
    return () => this.reconnectListeners.delete(listener)
  }

  /** Receive the OCPP frames of a charge point as `message` events until the returned function runs. */
  tail(cpId: string): () => void {
    const count = this.tails.get(cpId) ?? 0
    this.tails.set(cpId, count + 1)
    if (count === 0) this.sendJson({ type: 'subscribe', messages: cpId })
    let done = false
    return () => {
      if (done) return
      done = true
      const left = (this.tails.get(cpId) ?? 1) - 1
      if (left > 0) this.tails.set(cpId, left)
      else {
        this.tails.delete(cpId)
        this.sendJson({ type: 'unsubscribe', messages: cpId })
      }
    }
  }

  private sendJson(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message))
  }

  private connect(): void {
    if (!session.token) return
    this.state.value = 'connecting'
    const socket = new WebSocket(feedUrl(session.token))
    this.socket = socket
    socket.onopen = () => {
      const again = this.opened
      this.opened = true
      this.attempt = 0
      this.state.value = 'open'
      for (const cpId of this.tails.keys()) this.sendJson({ type: 'subscribe', messages: cpId })
      clearInterval(this.pinger)
      this.pinger = setInterval(() => this.sendJson({ type: 'ping' }), 25000)
      if (again) this.reconnectListeners.forEach((fn) => fn())
    }
    socket.onmessage = (event) => this.dispatch(String(event.data))
    socket.onclose = (event) => {
      if (this.socket !== socket) return          // stopped on purpose
      this.socket = null
      clearInterval(this.pinger)
      this.state.value = 'closed'
      if (event.code === UNAUTHORIZED) {
        this.opened = false
        signOut(event.reason === 'token_expired' ? 'session.expired' : 'session.invalid')
        return
      }
      const delay = Math.min(MAX_DELAY, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2)
      this.timer = setTimeout(() => this.connect(), delay)
    }
  }

  private dispatch(text: string): void {
    let message: { type?: string; data?: unknown; event?: string }
    try {
      message = JSON.parse(text)
    } catch {
      return
    }
    const handlers = message.type ? this.handlers.get(message.type) : undefined
    handlers?.forEach((fn) => (fn as (data: unknown, event?: string) => void)(message.data, message.event))
  }
}

export const feed = new Feed()
