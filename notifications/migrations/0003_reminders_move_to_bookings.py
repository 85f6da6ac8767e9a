# The reminder models belong to bookings now: the outbox knows no booking. Only Django's idea of the
# models changes here; their tables are kept, with their rows, and renamed by
# bookings/migrations/0003_reminders_from_notifications.py, which takes the models over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_outbox_claim_reminders'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Reminder'),
                migrations.DeleteModel(name='ReminderPolicy'),
            ],
            database_operations=[],
        ),
    ]
