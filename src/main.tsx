import { loadPageFor } from './app/route-pages.ts'
import './index.css'

// The entry is small on purpose (docs/decisions/091): it starts fetching the code of the page
// being opened at the same time as the app's shell (React, the router, the layout, the home
// page; index.html preloads its chunks), instead of after the shell has run, and renders once both
// are there, so that the page appears in the first render. If the page's code cannot be fetched,
// the app renders anyway and the route shows its error page.
const page = loadPageFor(window.location.pathname)?.catch(() => undefined)

const root = document.getElementById('root')
if (!root) throw new Error('Grantlab needs a #root element in index.html')
void Promise.all([import('./app/start.tsx'), page]).then(([{ startApp }]) => startApp(root))
