new window.oidc.UserManager(window.teamSettings)
  .signinRedirectCallback()
  .then(() => window.location.replace('/'))
  .catch((error) => {
    document.getElementById('status').textContent = `Failed: ${error.message}`
  })
