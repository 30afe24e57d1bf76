// The offline map's projection: stations drawn by their GCJ-02 coordinates on a plain canvas, no
// tiles. Equirectangular with longitude scaled by cos(mid latitude), so a city keeps its shape;
// `invert` turns a click back into coordinates (picking a station's position).

export interface Point { lat: number; lng: number }
export interface Projection {
  project(p: Point): { x: number; y: number }
  invert(x: number, y: number): Point
  bounds: { minLat: number; maxLat: number; minLng: number; maxLng: number }
}

const MIN_SPAN = 0.01          // degrees (~1 km): one station alone still gets a sensible view

export function fit(points: Point[], width: number, height: number, padding = 32): Projection {
  const lats = points.map((p) => p.lat)
  const lngs = points.map((p) => p.lng)
  let minLat = lats.length ? Math.min(...lats) : 31.13
  let maxLat = lats.length ? Math.max(...lats) : 31.33
  let minLng = lngs.length ? Math.min(...lngs) : 121.37
  let maxLng = lngs.length ? Math.max(...lngs) : 121.57
  if (maxLat - minLat < MIN_SPAN) { const m = (minLat + maxLat) / 2; minLat = m - MIN_SPAN / 2; maxLat = m + MIN_SPAN / 2 }
  if (maxLng - minLng < MIN_SPAN) { const m = (minLng + maxLng) / 2; minLng = m - MIN_SPAN / 2; maxLng = m + MIN_SPAN / 2 }
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180)
  const spanX = (maxLng - minLng) * k
  const spanY = maxLat - minLat
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY)
  const offX = (width - spanX * scale) / 2
  const offY = (height - spanY * scale) / 2
  return {
    bounds: { minLat, maxLat, minLng, maxLng },
    project: (p) => ({ x: offX + (p.lng - minLng) * k * scale, y: height - offY - (p.lat - minLat) * scale }),
    invert: (x, y) => ({ lng: minLng + (x - offX) / (k * scale), lat: minLat + (height - offY - y) / scale }),
  }
}

/** Round to 6 decimals (~0.1 m), what a station record keeps sensibly. */
export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6
}

/** A station on a map: where, and the state of its worst charge point (see healthOf). */
export interface MapStation { id: number; name: string; lat: number; lng: number; health: string; label?: string }
