// The two request shapes every page repeats: load something (loading flag, failure in plain words)
// and submit a form (busy flag, the server's field errors on their fields, any other failure apart).
import { reactive, ref } from 'vue'
import { fieldOf } from '@/api/errors'
import { errorText } from '@/i18n'

export function useLoad(task: () => Promise<void>) {
  const loading = ref(false)
  const failure = ref('')
  async function load(): Promise<void> {
    loading.value = true
    failure.value = ''
    try {
      await task()
    } catch (err) {
      failure.value = errorText(err)
    } finally {
      loading.value = false
    }
  }
  return { loading, failure, load }
}

export function useSubmit() {
  const state = reactive({ busy: false, error: '', fieldErrors: {} as Record<string, string> })
  /** Run `task`; true when it succeeded. A validation error naming a field goes on that field. */
  async function submit(task: () => Promise<void>): Promise<boolean> {
    state.busy = true
    state.error = ''
    state.fieldErrors = {}
    try {
      await task()
      return true
    } catch (err) {
      const field = fieldOf(err)
      if (field) state.fieldErrors[field] = errorText(err)
      else state.error = errorText(err)
      return false
    } finally {
      state.busy = false
    }
  }
  return { state, submit }
}
