from django.db import migrations

from entrants.roles import sync_roles


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Viewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("entrants", "0002_history"),
    ]

    operations = [migrations.RunPython(sync_roles, remove_roles)]
