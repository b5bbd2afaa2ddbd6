from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("allocation", "0004_handover"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assignment",
            name="source",
            field=models.CharField(
                choices=[
                    ("run", "allocation run"),
                    ("manual", "manual"),
                    ("import", "import"),
                    ("claim", "claimed from pool"),
                    ("route", "routed on creation"),
                    ("appeal", "appeal decision"),
                ],
                max_length=10,
                verbose_name="source",
            ),
        ),
    ]
