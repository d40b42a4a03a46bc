"""What OAuth 2.0 and OpenID Connect store: authorization codes, tokens and their refresh
families, consent, and the subject identifiers clients see. Authlib itself stays in idp/oidc/."""
