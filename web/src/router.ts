import { createRouter, createWebHistory } from 'vue-router'
import CalendarPage from './pages/CalendarPage.vue'
import DynamicsPage from './pages/DynamicsPage.vue'
import HowPage from './pages/HowPage.vue'
import PlanEditor from './pages/PlanEditor.vue'
import PlanPage from './pages/PlanPage.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/plan' },
    { path: '/plan', component: PlanPage },
    { path: '/plan/editor', component: PlanEditor },
    { path: '/dynamics', component: DynamicsPage },
    { path: '/how', component: HowPage },
    { path: '/calendar', component: CalendarPage },
    { path: '/:rest(.*)*', redirect: '/plan' },
  ],
})
