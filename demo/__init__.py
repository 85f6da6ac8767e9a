"""The demo programme (development only): `python manage.py seed_demo`, see `demo.seed`."""
