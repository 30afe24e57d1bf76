// How many alarms wait for someone (Raised, not yet acknowledged), for the header's bell: read once,
// then read again after each alarm change the feed reports (at most once a second), never polled.
import { ref } from 'vue'
import { alarmsApi } from '@/api/alarms'
import { feed } from '@/api/feed'

function createAlarmCount() {
  const raised = ref<number | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined
  let wired = false

  async function load(): Promise<void> {
    try {
      raised.value = (await alarmsApi.list({ status: 'Raised', limit: 1 })).total
    } catch {
      /* the bell stays as it was; the alarm page says what failed */
    }
  }

  function soon(): void {
    clearTimeout(timer)
    timer = setTimeout(() => void load(), 1000)
  }

  function wire(): void {
    if (wired) return
    wired = true
    feed.on('alarm', soon)
    feed.onReconnect(soon)
  }

  return { raised, load, wire }
}

export const alarmCount = createAlarmCount()
