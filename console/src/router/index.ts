// Client routes under /console/. A route with meta.nav appears in the side menu (in its group);
// meta.minRole hides it from lower roles and keeps them out (the server refuses them anyway).
//
// The operations back end (issue 11) adds its pages here, each with its API client module in
// src/api/ next to money.ts / operations.ts and nothing faked before its endpoints exist:
//   alarms (live list by severity, acknowledge/assign/resolve), work-orders/:id, reports/mtta-mttr,
//   orders/abnormal (review queue), users + users/:id (orders, wallet ledger, block, adjust balance),
//   feedback (inbox with replies), dashboards (energy, revenue, sessions, utilisation; CSV),
//   audit (admin). Alarms also arrive on the live feed as {"type": "alarm"} (src/api/feed.ts).
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { allows, type Role } from '@/lib/roles'
import { onSignedOut, session } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    nav?: 'network' | 'orders' | 'master'
    title?: string                // i18n key
    minRole?: Role
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/layout/AppLayout.vue'),
    children: [
      { path: '', redirect: { name: 'board' } },
      { path: 'board', name: 'board', component: () => import('@/views/board/BoardView.vue'),
        meta: { nav: 'network', title: 'nav.board' } },
      { path: 'charge-points/:id', name: 'charge-point', component: () => import('@/views/chargePoint/ChargePointView.vue'),
        props: true, meta: { title: 'nav.chargePoint' } },
      { path: 'orders', name: 'orders', component: () => import('@/views/orders/OrdersView.vue'),
        meta: { nav: 'orders', title: 'nav.orders' } },
      { path: 'orders/:id', name: 'order', component: () => import('@/views/orders/OrderDetailView.vue'),
        props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'nav.order' } },
      { path: 'master/stations', name: 'stations', component: () => import('@/views/master/StationsView.vue'),
        meta: { nav: 'master', title: 'nav.stations' } },
      { path: 'master/stations/:id/qr', name: 'qr-sheet', component: () => import('@/views/master/QrSheetView.vue'),
        props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'nav.qrSheet' } },
      { path: 'master/charge-points', name: 'charge-points', component: () => import('@/views/master/ChargePointsView.vue'),
        meta: { nav: 'master', title: 'nav.chargePoints' } },
      { path: 'master/id-tags', name: 'id-tags', component: () => import('@/views/master/IdTagsView.vue'),
        meta: { nav: 'master', title: 'nav.idTags' } },
      { path: 'master/tariffs', name: 'tariffs', component: () => import('@/views/master/TariffsView.vue'),
        meta: { nav: 'master', title: 'nav.tariffs' } },
      { path: 'master/operators', name: 'operators', component: () => import('@/views/master/OperatorsView.vue'),
        meta: { nav: 'master', title: 'nav.operators', minRole: 'admin' } },
      { path: ':rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach((to) => {
  if (to.meta.public) return true
  if (!session.token) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (!allows(session.role, to.meta.minRole)) return { name: 'board' }
  return true
})

onSignedOut(() => {
  const current = router.currentRoute.value
  if (!current.meta.public) void router.push({ name: 'login', query: { redirect: current.fullPath } })
})
