/** Every route of the app, in one place (links are built from here, never typed by hand). */
export const paths = {
  home: '/',
  advisor: '/advisor',
  configure: '/configure',
  walkthroughs: '/walkthrough',
  walkthrough: (flowId: string) => `/walkthrough/${flowId}`,
  walkthroughCallback: (flowId: string) => `/walkthrough/${flowId}/callback`,
  attacks: '/attacks',
  attack: (attackId: string) => `/attacks/${attackId}`,
  attackCallback: (attackId: string) => `/attacks/${attackId}/callback`,
} as const
