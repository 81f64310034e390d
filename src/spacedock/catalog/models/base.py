"""What every small LL2 lookup table shares: LL2's id as primary key, and a name."""
import orjson
from django.db import models


class Lookup(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class DocumentField(models.TextField):
    """An LL2 document kept as JSON text, so it comes back exactly as imported on every database:
    PostgreSQL's jsonb would reorder its keys and write the float 5.972168e+24 as an integer."""

    description = "An LL2 JSON document, key order kept"

    def from_db_value(self, value, expression, connection):
        return None if value is None else orjson.loads(value)

    def to_python(self, value):
        return orjson.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        return None if value is None else orjson.dumps(value).decode()

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))
