new window.oidc.UserManager(window.teamSettings).signinSilentCallback()
