// The server's console settings (GET /api/v1/console/config), read once.
import { ref } from 'vue'
import { networkApi } from '@/api/network'
import type { ConsoleConfig } from '@/api/types'

export const consoleConfig = ref<ConsoleConfig | null>(null)
let pending: Promise<ConsoleConfig> | null = null

export function loadConfig(): Promise<ConsoleConfig> {
  pending ??= networkApi.config().then((c) => (consoleConfig.value = c)).catch((err) => {
    pending = null
    throw err
  })
  return pending
}
