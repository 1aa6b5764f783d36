"""The admin's editor roles, created by a migration (see README, "Roles").

Editors add and change news items and facts (and the companies, models and people they need)
but delete nothing and cannot manage users. Viewers can only read the admin.
"""

EDITORS = "Editors"
VIEWERS = "Viewers"


def sync_roles(apps, schema_editor=None):
    """Create the Editors and Viewers groups with their permissions on the app's models."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    tracked = Permission.objects.filter(content_type__app_label="entrants").exclude(
        content_type__model="referencedataload"
    )
    viewing = tracked.filter(codename__startswith="view_")
    editing = tracked.filter(codename__regex=r"^(add|change)_").exclude(
        content_type__model__startswith="historical"
    )
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(viewing | editing)
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    viewers.permissions.set(viewing)
