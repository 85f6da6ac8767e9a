from django.db import migrations

CODES = ["lsf", "audio_description", "falc", "wheelchair", "hearing_loop", "tactile"]


def create(apps, schema_editor):
    AccessibilityOption = apps.get_model("programmes", "AccessibilityOption")
    for code in CODES:
        AccessibilityOption.objects.get_or_create(code=code)
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Mediators")


def remove(apps, schema_editor):
    apps.get_model("programmes", "AccessibilityOption").objects.filter(code__in=CODES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
