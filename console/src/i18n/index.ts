// zh-CN by default (the operations team's language), English available; the choice is remembered.
// Element Plus's own texts (date pickers, pagination, empty tables) follow the same switch.
import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elEn from 'element-plus/es/locale/lang/en'
import elZh from 'element-plus/es/locale/lang/zh-cn'
import { explain } from '@/api/errors'
import en from './en'
import zhCN from './zh-CN'

export type Locale = 'zh-CN' | 'en'
const KEY = 'csms.console.locale'

function initial(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(KEY, locale)
  document.documentElement.lang = locale
}

export const elementLocale = computed(() => (i18n.global.locale.value === 'en' ? elEn : elZh))

/** An error in plain words, in the current language. */
export function errorText(err: unknown): string {
  const { key, params } = explain(err)
  return i18n.global.t(key, params)
}
