// A real HTTP server on a free loopback port for the client tests: each test says how it answers.
// No fetch mocks: the API client's requests cross a real socket, headers and all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }
export type Answer = (seen: Seen) => { status?: number; body?: unknown; headers?: Record<string, string> }

export interface TestServer { url: string; seen: Seen[]; answer: (fn: Answer) => void; close: () => Promise<void> }

export async function startServer(): Promise<TestServer> {
  let answer: Answer = () => ({ status: 200, body: {} })
  const seen: Seen[] = []
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': '*',
        'Access-Control-Expose-Headers': 'X-Total-Count' }
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors).end()
        return
      }
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() }
      seen.push(request)
      const { status = 200, body, headers = {} } = answer(request)
      res.writeHead(status, { ...cors, 'Content-Type': 'application/json', ...headers })
      res.end(body === undefined ? '' : JSON.stringify(body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    answer: (fn) => { answer = fn },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

export function fakeToken(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.signature`
}

/** How long a test waits for the page to follow a server's answer: generous, for a loaded shared
 *  machine (vi.waitFor's default is one second); nothing waits for it when all is well. */
export const WAIT = { timeout: 10000, interval: 20 }
