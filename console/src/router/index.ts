// Client routes under /console/. A route with meta.nav appears in the side menu (in its group);
// meta.need (a permission, src/lib/roles.ts) hides it from roles without it and keeps them out (the
// server refuses them anyway). Each page's API client is a module in src/api/.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Permission } from '@/lib/roles'
import { can, onSignedOut, session } from '@/stores/session'

export type NavGroup = 'network' | 'operations' | 'orders' | 'users' | 'stats' | 'master' | 'system'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    nav?: NavGroup
    title?: string                // i18n key
    need?: Permission
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
      { path: 'alarms', name: 'alarms', component: () => import('@/views/alarms/AlarmsView.vue'),
        meta: { nav: 'operations', title: 'nav.alarms' } },
      { path: 'work-orders', name: 'work-orders', component: () => import('@/views/alarms/WorkOrdersView.vue'),
        meta: { nav: 'operations', title: 'nav.workOrders' } },
      { path: 'work-orders/:id', name: 'work-order', component: () => import('@/views/alarms/WorkOrderView.vue'),
        props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'nav.workOrder' } },
      { path: 'reports/response-times', name: 'response-times', component: () => import('@/views/alarms/ResponseTimesView.vue'),
        meta: { nav: 'operations', title: 'nav.responseTimes' } },
      { path: 'orders', name: 'orders', component: () => import('@/views/orders/OrdersView.vue'),
        meta: { nav: 'orders', title: 'nav.orders' } },
      { path: 'orders/:id', name: 'order', component: () => import('@/views/orders/OrderDetailView.vue'),
        props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'nav.order' } },
      { path: 'order-reviews', name: 'order-reviews', component: () => import('@/views/orders/ReviewsView.vue'),
        meta: { nav: 'orders', title: 'nav.reviews' } },
      { path: 'users', name: 'users', component: () => import('@/views/users/UsersView.vue'),
        meta: { nav: 'users', title: 'nav.users' } },
      { path: 'users/:id', name: 'user', component: () => import('@/views/users/UserView.vue'),
        props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'nav.user' } },
      { path: 'feedback', name: 'feedback', component: () => import('@/views/users/FeedbackView.vue'),
        meta: { nav: 'users', title: 'nav.feedback' } },
      { path: 'dashboard', name: 'dashboard', component: () => import('@/views/stats/DashboardView.vue'),
        meta: { nav: 'stats', title: 'nav.dashboard' } },
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
        meta: { nav: 'system', title: 'nav.operators', need: 'admin' } },
      { path: 'audit', name: 'audit', component: () => import('@/views/system/AuditView.vue'),
        meta: { nav: 'system', title: 'nav.audit', need: 'admin' } },
      { path: ':rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach((to) => {
  if (to.meta.public) return true
  if (!session.token) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (!can(to.meta.need)) return { name: 'board' }
  return true
})

onSignedOut(() => {
  const current = router.currentRoute.value
  if (!current.meta.public) void router.push({ name: 'login', query: { redirect: current.fullPath } })
})
