// What the page-component tests share: a router knowing the route names the component links to
// (every one an empty page), the API server they talk to, and the DOM (drawers and dialogs teleport
// to document.body) read by data-test names.
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import type { Component } from 'vue'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { setBase } from '@/api/http'
import { i18n } from '@/i18n'
import { signOut } from '@/stores/session'
import { startServer, type TestServer } from './server'

const EMPTY = { template: '<div />' }

export function pageTest(...routeNames: string[]) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', name: 'any', component: EMPTY },
    ...routeNames.map((name) => ({ path: `/${name}/:id`, name, component: EMPTY }))] })
  const ctx = { server: null as unknown as TestServer }
  beforeAll(async () => {
    ctx.server = await startServer()
    setBase(ctx.server.url)
    i18n.global.locale.value = 'en'
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })
  afterAll(async () => {
    signOut()
    await ctx.server.close()
  })
  const $ = (selector: string) => document.body.querySelector(selector) as HTMLElement | null
  return {
    ctx,
    $,
    $$: (selector: string) => [...document.body.querySelectorAll(selector)] as HTMLElement[],
    /** The input or textarea an Element Plus field renders for `data-test="name"`. */
    input: (name: string) => ($(`[data-test="${name}"] textarea`) ?? $(`[data-test="${name}"] input`)
      ?? $(`textarea[data-test="${name}"]`) ?? $(`input[data-test="${name}"]`)) as HTMLInputElement,
    mount: (component: Component, props: Record<string, unknown>) =>
      mount(component, { props, global: { plugins: [ElementPlus, i18n, router] }, attachTo: document.body }),
  }
}
