// The team's settings. The mock server's address comes from the test page's query (?as=...).
window.teamSettings = (() => {
  const here = window.location.origin
  const authority = window.sessionStorage.getItem('authority') ?? ''
  return {
    authority,
    client_id: 'team-spa',
    redirect_uri: `${here}/callback.html`,
    silent_redirect_uri: `${here}/silent.html`,
    post_logout_redirect_uri: `${here}/signed-out.html`,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    loadUserInfo: true,
    automaticSilentRenew: false,
  }
})()
