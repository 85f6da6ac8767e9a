# The reminder models move here from notifications (a generic outbox that knows no booking), with
# their rows: the models are taken over as they are (state only), then their tables are renamed
# notifications_* -> bookings_* so that a table's name says which app owns it (a rename keeps the
# rows, ids, constraints and indexes; PostgreSQL only rewrites the catalogue). The content types
# follow too, so that the permissions on reminders (and the staff groups holding them), and the
# admin's history of them, stay as they were.

import django.db.models.deletion
from django.db import migrations, models

MOVED = ('reminder', 'reminderpolicy')


def _move_content_types(apps, schema_editor, *, source, target):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    Permission = apps.get_model('auth', 'Permission')
    db = schema_editor.connection.alias
    for model in MOVED:
        old = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:  # a new database: post_migrate creates the content types afterwards
            continue
        new = ContentType.objects.using(db).filter(app_label=target, model=model).first()
        if new is None:
            # Usual case: the same row (same permissions, same holders), under its new app.
            old.app_label = target
            old.save(update_fields=['app_label'])
            continue
        # Both exist (post_migrate ran in between): whoever held a permission on the old one gets
        # the same permission on the new one, then the old one goes.
        for permission in Permission.objects.using(db).filter(content_type=old):
            same = Permission.objects.using(db).filter(content_type=new, codename=permission.codename).first()
            if same is not None:
                same.group_set.add(*permission.group_set.all())
                same.user_set.add(*permission.user_set.all())
        old.delete()


def content_types_to_bookings(apps, schema_editor):
    _move_content_types(apps, schema_editor, source='notifications', target='bookings')


def content_types_to_notifications(apps, schema_editor):
    _move_content_types(apps, schema_editor, source='bookings', target='notifications')


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('bookings', '0002_initial'),
        ('notifications', '0003_reminders_move_to_bookings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReminderPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('offer_kind', models.CharField(choices=[('abc', "L'ABC du musée"), ('deepening', 'Deepening course'), ('autonomy_support', 'Support towards autonomy'), ('guided_visit', 'Visit with a mediator'), ('workshop', 'Workshop'), ('co_built_cycle', 'Co-built cycle'), ('autonomous_visit', 'Autonomous visit led by the relais')], max_length=32, unique=True, verbose_name='offer kind')),
                        ('first_days_before', models.PositiveSmallIntegerField(blank=True, default=7, help_text='Leave empty to send no first reminder.', null=True, verbose_name='first reminder (days before)')),
                        ('last_days_before', models.PositiveSmallIntegerField(blank=True, default=1, help_text='Leave empty to send no last reminder.', null=True, verbose_name='last reminder (days before)')),
                    ],
                    options={
                        'verbose_name': 'reminder policy',
                        'verbose_name_plural': 'reminder policies',
                        'ordering': ['offer_kind'],
                        'db_table': 'notifications_reminderpolicy',
                        'constraints': [
                            models.CheckConstraint(condition=models.Q(('offer_kind__in', ['abc', 'deepening', 'autonomy_support', 'guided_visit', 'workshop', 'co_built_cycle', 'autonomous_visit'])), name='reminder_policy_kind_valid'),
                            models.CheckConstraint(condition=models.Q(('first_days_before__isnull', True), ('last_days_before__isnull', True), ('first_days_before__gt', models.F('last_days_before')), _connector='OR'), name='reminder_policy_first_before_last', violation_error_message='The first reminder must come before the last one: more days before.'),
                            models.CheckConstraint(condition=models.Q(('first_days_before__isnull', True), ('first_days_before__gte', 1), _connector='OR'), name='reminder_policy_first_positive', violation_error_message='A reminder is sent at least 1 day before the session.'),
                            models.CheckConstraint(condition=models.Q(('last_days_before__isnull', True), ('last_days_before__gte', 1), _connector='OR'), name='reminder_policy_last_positive', violation_error_message='A reminder is sent at least 1 day before the session.'),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('first', 'First reminder'), ('last', 'Last reminder')], max_length=16, verbose_name='kind')),
                        ('due_at', models.DateTimeField(verbose_name='due at')),
                        ('queued_at', models.DateTimeField(auto_now_add=True, verbose_name='queued at')),
                        ('booking', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='bookings.booking', verbose_name='booking')),
                    ],
                    options={
                        'verbose_name': 'reminder',
                        'verbose_name_plural': 'reminders',
                        'ordering': ['-queued_at'],
                        'db_table': 'notifications_reminder',
                        'constraints': [
                            models.UniqueConstraint(fields=('booking', 'kind'), name='reminder_unique_booking_kind'),
                            models.CheckConstraint(condition=models.Q(('kind__in', ['first', 'last'])), name='reminder_kind_valid'),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='reminderpolicy', table=None),
        migrations.AlterModelTable(name='reminder', table=None),
        migrations.RunPython(content_types_to_bookings, content_types_to_notifications, elidable=False),
    ]
