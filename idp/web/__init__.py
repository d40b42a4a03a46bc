"""Blueprints: thin views over the services and the OIDC server."""
