"""The roles, as Django groups with model permissions.

Anonymous readers need no group (reading is open); the "reader" group
exists so an account can be given exactly the public view. Journalists
read through an API token at a higher rate (api/throttling.py looks for the
"journalist" group). Contributors add material and submissions' sources, as
drafts: only editors publish, or change what the public reads
(incidents.publish_incident, incidents/publishing.py); editors also change
and delete, moderate submissions and revert revisions; administrators hold
every permission.
"""

READER, JOURNALIST, CONTRIBUTOR, EDITOR, ADMINISTRATOR = "reader", "journalist", "contributor", "editor", "administrator"
ROLES = [READER, JOURNALIST, CONTRIBUTOR, EDITOR, ADMINISTRATOR]
# Roles whose members use the admin site.
STAFF_ROLES = {CONTRIBUTOR, EDITOR, ADMINISTRATOR}

CONTENT = {
    "incidents": [
        "incident", "claim", "evidence", "source", "metric", "measurement", "organisation", "aisystem",
        "taxonomyterm", "incidentorganisation", "incidentsystem", "incidentrelation",
    ],
}
CONTRIBUTOR_ADDS = ["incident", "claim", "evidence", "source", "organisation", "aisystem",
                    "incidentorganisation", "incidentsystem"]
CONTRIBUTOR_CHANGES = ["claim", "evidence", "source", "organisation", "aisystem"]
EDITOR_EXTRA = [
    ("incidents", "incident", ("publish",)),
    ("editorial", "submission", ("view", "change", "delete")),
    ("imports", "importrecord", ("view",)),
    ("imports", "importrun", ("view",)),
]


def _view_all():
    return {("incidents", f"view_{model}") for model in CONTENT["incidents"]}


def role_permissions() -> dict[str, set[tuple[str, str]] | None]:
    """(app label, codename) per role; None means every permission."""
    reader = _view_all()
    contributor = reader | {("incidents", f"add_{m}") for m in CONTRIBUTOR_ADDS}
    contributor |= {("incidents", f"change_{m}") for m in CONTRIBUTOR_CHANGES}
    editor = contributor | {
        ("incidents", f"{action}_{model}") for model in CONTENT["incidents"] for action in ("add", "change", "delete")
    }
    editor |= {(app, f"{action}_{model}") for app, model, actions in EDITOR_EXTRA for action in actions}
    return {READER: reader, JOURNALIST: set(reader), CONTRIBUTOR: contributor, EDITOR: editor, ADMINISTRATOR: None}


def apply_roles(apps) -> None:
    """Create or update the groups (works with a migration's historical apps)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        # A migration's app configs have no models module; create_permissions skips those.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        if wanted is None:
            permissions = Permission.objects.all()
        else:
            permissions = [
                Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in sorted(wanted)
            ]
        group.permissions.set(permissions)


def give_role(user, role: str) -> None:
    """Put the user in the role's group; staff roles may enter the admin."""
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    group = Group.objects.filter(name=role).first()
    if group is None:
        # The migration made the groups; a database flushed since (as transactional tests do) lost them.
        ContentType.objects.clear_cache()
        apply_roles(apps)
        group = Group.objects.get(name=role)
    user.groups.add(group)
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
