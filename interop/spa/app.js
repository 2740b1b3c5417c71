// What a team writes: one UserManager for the app (tokens in sessionStorage), and for the demo of
// a silent renew through the hidden iframe a second one without offline_access, whose user is kept
// apart (localStorage): it has no refresh token, so oidc-client-ts renews with prompt=none.
const { UserManager, WebStorageStateStore } = window.oidc
const params = new URLSearchParams(window.location.search)
if (params.has('as')) window.sessionStorage.setItem('authority', params.get('as'))
const settings = { ...window.teamSettings, authority: window.sessionStorage.getItem('authority') }
const manager = new UserManager(settings)
const iframeOnly = new UserManager({
  ...settings,
  scope: 'openid profile email',
  userStore: new WebStorageStateStore({ store: window.localStorage }),
})

const show = (id, text) => {
  document.getElementById(id).textContent = text
}

async function render(prefix = 'Signed in') {
  const user = await manager.getUser()
  if (!user) return show('status', 'Signed out')
  show('status', `${prefix} as ${user.profile.sub}`)
  show('email', user.profile.email ?? '')
  show('groups', (user.profile.groups ?? []).join(', '))
}

const run = (id, task) =>
  document.getElementById(id).addEventListener('click', () =>
    task().catch((error) =>
      // oidc-client-ts' ErrorResponse carries the RFC error code apart from its description.
      show('status', `Failed: ${error.error ? `${error.error}: ` : ''}${error.message}`),
    ),
  )

run('sign-in', () => manager.signinRedirect())
run('refresh', async () => {
  await manager.signinSilent()
  await render('Refreshed')
})
run('silent-renew', async () => {
  const user = await iframeOnly.signinSilent()
  show('status', `Renewed silently as ${user.profile.sub}`)
})
run('revoke', async () => {
  await manager.revokeTokens(['access_token', 'refresh_token'])
  show('status', 'Tokens revoked')
})
run('sign-out', () => manager.signoutRedirect())

render()
