"""OpenID Connect provider on Authlib. The only importer of authlib.oauth2 / authlib.oidc."""
