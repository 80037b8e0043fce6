// The user's place lives in the URL (hash history: it works from serve mode's http:// and from
// the desktop shell's own protocol alike): the view, the run, Compare's selection, the gallery's
// filters and page. A reload, back/forward or a URL pasted into another tab lands in the same place.
import { createRouter, createWebHashHistory } from 'vue-router'
import TrainView from './views/TrainView.vue'
import RunsView from './views/RunsView.vue'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/train' },
    { path: '/course/:id([a-z0-9-]+)?', name: 'course', component: () => import('./views/CourseView.vue'), meta: { tab: 'Course' } },
    { path: '/train', name: 'train', component: TrainView, meta: { tab: 'Train' } },
    { path: '/runs/:id(\\d+)?', name: 'runs', component: RunsView, meta: { tab: 'Runs' } },
    { path: '/sweeps/:id(\\d+)?', name: 'sweeps', component: () => import('./views/SweepsView.vue'), meta: { tab: 'Sweeps' } },
    { path: '/compare', name: 'compare', component: () => import('./views/CompareView.vue'), meta: { tab: 'Compare' } },
    { path: '/draw', name: 'draw', component: () => import('./views/DrawView.vue'), meta: { tab: 'Draw a digit' } },
    { path: '/:rest(.*)*', redirect: '/train' }
  ]
})
