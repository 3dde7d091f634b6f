import { createApp } from 'vue'
import App from './App.vue'
import { lang } from './i18n'
import { router } from './router'
import './style.css'

document.documentElement.lang = lang.value
createApp(App).use(router).mount('#app')
