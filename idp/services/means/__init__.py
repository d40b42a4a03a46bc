"""Login means besides the password: authenticator apps and code displays (enrolment, stock,
binding, checking a code) and the guard against password guessing."""
