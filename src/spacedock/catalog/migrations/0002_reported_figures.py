"""The figures LL2 reports become `reported_*`: the served figures are derived (see catalog.figures)."""
from django.db import migrations

RENAMED = ("in_space", "time_in_space", "time_docked", "flights_count", "mission_ends_count", "fastest_turnaround")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RemoveIndex(model_name="spacecraft", name=name)
        for name in ("sc_time_in_space_id", "sc_time_docked_id", "sc_flights_count_id", "sc_mission_ends_count_id")
    ] + [
        migrations.RenameField(model_name="spacecraft", old_name=name, new_name=f"reported_{name}")
        for name in RENAMED
    ]
