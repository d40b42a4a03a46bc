"""Each audit action's short name and sentence (with the actor and the target), translated
when shown by :mod:`idp.web.audit_text`."""

from __future__ import annotations

from ..services.errors import N_

ACTIONS: dict[str, tuple[str, str]] = {
    "access_request.submitted": (
        N_("Access requested"),
        N_("%(actor)s asked for access as %(target)s"),
    ),
    "access_request.approved": (
        N_("Access request approved"),
        N_("%(actor)s approved the access request of %(target)s"),
    ),
    "access_request.rejected": (
        N_("Access request rejected"),
        N_("%(actor)s rejected the access request of %(target)s"),
    ),
    "authenticator.activated": (
        N_("Login means activated"),
        N_("%(actor)s activated a login means of %(target)s"),
    ),
    "authenticator.app_enrolment_started": (
        N_("App setup started"),
        N_("%(actor)s started setting up an authenticator app for %(target)s"),
    ),
    "authenticator.assigned": (
        N_("Code display assigned"),
        N_("%(actor)s assigned a code display to %(target)s"),
    ),
    "authenticator.enrolled": (
        N_("App set up"),
        N_("%(actor)s set up an authenticator app for %(target)s"),
    ),
    "authenticator.locked": (
        N_("Login means locked"),
        N_("%(actor)s locked a login means of %(target)s"),
    ),
    "authenticator.revoked": (
        N_("Login means revoked"),
        N_("%(actor)s revoked a login means of %(target)s"),
    ),
    "authenticator.unlocked": (
        N_("Login means unlocked"),
        N_("%(actor)s unlocked the login means of %(target)s"),
    ),
    "authenticators.reencrypted": (
        N_("Secrets re-encrypted"),
        N_("%(actor)s re-encrypted the secrets of the login means"),
    ),
    "change.proposed": (N_("Change proposed"), N_("%(actor)s proposed a change for %(target)s")),
    "change.approved": (N_("Change approved"), N_("%(actor)s approved a change for %(target)s")),
    "change.rejected": (N_("Change rejected"), N_("%(actor)s rejected a change for %(target)s")),
    "client.created": (N_("Service registered"), N_("%(actor)s registered the service %(target)s")),
    "client.updated": (N_("Service changed"), N_("%(actor)s changed the service %(target)s")),
    "client.first_party_set": (
        N_("Service marked as own"),
        N_("%(actor)s changed whether %(target)s is one of our own services"),
    ),
    "client.organisation_set": (
        N_("Service given an organisation"),
        N_("%(actor)s made %(target)s a service of this organisation"),
    ),
    "client.secret_rotated": (
        N_("Service secret renewed"),
        N_("%(actor)s made a new secret for the service %(target)s"),
    ),
    "client.removed": (N_("Service removed"), N_("%(actor)s removed the service %(target)s")),
    "saml_sp.registered": (
        N_("SAML service registered"),
        N_("%(actor)s registered the SAML service %(target)s"),
    ),
    "saml_sp.refreshed": (
        N_("SAML service metadata refreshed"),
        N_("%(actor)s refreshed the metadata of the SAML service %(target)s"),
    ),
    "saml_sp.removed": (
        N_("SAML service removed"),
        N_("%(actor)s removed the SAML service %(target)s"),
    ),
    "code_displays.imported": (
        N_("Code displays imported"),
        N_("%(actor)s imported code displays from %(target)s"),
    ),
    "consent.granted": (
        N_("Consent given"),
        N_("%(actor)s gave consent to the service %(target)s"),
    ),
    "consent.revoked": (
        N_("Consent withdrawn"),
        N_("%(actor)s withdrew the consent to the service %(target)s"),
    ),
    "keys.created": (
        N_("Signing key created"),
        N_("%(actor)s created the signing key %(target)s"),
    ),
    "keys.encryption_created": (
        N_("Encryption key created"),
        N_("%(actor)s created version %(target)s of the key that encrypts login means secrets"),
    ),
    "keys.rotated": (
        N_("Signing key renewed"),
        N_("%(actor)s renewed the signing key (new key %(target)s)"),
    ),
    "oauth.code_reused": (
        N_("Code used twice"),
        N_("An authorization code of the service %(target)s was used twice"),
    ),
    "oauth.refresh_reused": (
        N_("Token used twice"),
        N_("A refresh token of the service %(target)s was used twice"),
    ),
    "org.created": (
        N_("Organisation created"),
        N_("%(actor)s created the organisation %(target)s"),
    ),
    "people.exported": (
        N_("People exported"),
        N_("%(actor)s exported a list of the people of %(target)s as CSV"),
    ),
    "org.reminders_off": (
        N_("Activation reminders turned off"),
        N_("%(actor)s turned off the activation reminders of the organisation %(target)s"),
    ),
    "org.reminders_on": (
        N_("Activation reminders turned on"),
        N_("%(actor)s turned on the activation reminders of the organisation %(target)s"),
    ),
    "org.configured": (
        N_("Settings changed"),
        N_("%(actor)s changed the settings of the organisation %(target)s"),
    ),
    "proofing.recorded": (
        N_("Identity check recorded"),
        N_("%(actor)s recorded an identity check of %(target)s"),
    ),
    "user.created": (N_("Person created"), N_("%(actor)s created %(target)s")),
    "user.identity_level_attested": (
        N_("Identity level set"),
        N_("%(actor)s set the identity level of %(target)s"),
    ),
    "user.roles_changed": (
        N_("Roles changed"),
        N_("%(actor)s changed the administrator roles of %(target)s"),
    ),
    "privilege.added": (
        N_("Right added to the catalogue"),
        N_("%(actor)s added the right %(target)s to the catalogue"),
    ),
    "privilege.changed": (
        N_("Right in the catalogue changed"),
        N_("%(actor)s changed the right %(target)s in the catalogue"),
    ),
    "privilege.removed": (
        N_("Right removed from the catalogue"),
        N_("%(actor)s removed the right %(target)s from the catalogue"),
    ),
    "user.privileges_changed": (
        N_("Rights changed"),
        N_("%(actor)s changed the rights of %(target)s"),
    ),
    "user.activation_started": (
        N_("Activation started"),
        N_("%(actor)s started the activation of %(target)s"),
    ),
    "user.activation_reminded": (
        N_("Activation reminder sent"),
        N_("%(target)s was reminded that the activation link expires soon"),
    ),
    "user.activation_resent": (
        N_("Activation e-mail sent again"),
        N_("%(actor)s sent the activation e-mail to %(target)s again"),
    ),
    "user.password_set": (N_("Password chosen"), N_("%(target)s chose a password")),
    "user.activated": (N_("Account activated"), N_("%(target)s activated the account")),
    "user.login": (N_("Logged in"), N_("%(target)s logged in")),
    "user.logout": (N_("Logged out"), N_("%(actor)s logged out")),
    "user.address_throttled": (
        N_("Password guesses slowed down"),
        N_("%(actor)s slowed down password guesses for %(target)s from one address"),
    ),
    "user.locked": (
        N_("Account locked"),
        N_("%(actor)s locked %(target)s after too many wrong passwords"),
    ),
    "user.under_attack": (
        N_("Many wrong passwords"),
        N_("%(actor)s told the user administrators about many wrong passwords for %(target)s"),
    ),
    "users.imported": (N_("People imported"), N_("%(actor)s imported people from %(target)s")),
    "recovery.link_sent": (
        N_("Recovery link sent"),
        N_("%(actor)s sent a recovery link to %(target)s"),
    ),
    "recovery.proven_by_one_time_code": (
        N_("Recovery: login means shown"),
        N_("%(target)s typed a code from the login means to recover the account"),
    ),
    "recovery.proven_by_private_eid": (
        N_("Recovery: identity proven again"),
        N_("%(target)s proved their identity again with a private eID to recover the account"),
    ),
    "recovery.password_reset": (
        N_("New password after recovery"),
        N_("%(target)s chose a new password through a recovery link; every session ended"),
    ),
    "recovery.means_replaced": (
        N_("Login means replaced after recovery"),
        N_("%(target)s replaced the login means through a recovery link; every session ended"),
    ),
}
