"""Agencies (manufacturers and operators) with their types, countries and social media links."""
from django.db import models

from .base import DocumentField, Lookup
from .images import Image


class AgencyType(Lookup):
    pass


class Country(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    alpha_2_code = models.CharField(max_length=2, db_index=True)
    alpha_3_code = models.CharField(max_length=3, db_index=True)
    nationality_name = models.CharField(max_length=255, blank=True, default="")
    nationality_name_composed = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name


# Counters LL2 keeps per agency; filterable with __gt/__gte/__lt/__lte, so each is an indexed column.
AGENCY_COUNTERS = (
    "total_launch_count", "consecutive_successful_launches", "successful_launches", "failed_launches",
    "pending_launches", "consecutive_successful_landings", "successful_landings", "failed_landings",
    "attempted_landings", "successful_landings_spacecraft", "failed_landings_spacecraft",
    "attempted_landings_spacecraft", "successful_landings_payload", "failed_landings_payload",
    "attempted_landings_payload",
)


class Agency(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200, db_index=True)
    abbrev = models.CharField(max_length=255, blank=True, default="", db_index=True)
    # Unknown (null) only for an agency from an older LL2 version whose type name has no known 2.3.0 id.
    type = models.ForeignKey(AgencyType, null=True, blank=True, on_delete=models.PROTECT)
    featured = models.BooleanField(default=False, db_index=True)
    countries = models.ManyToManyField(Country, through="AgencyCountry", related_name="agencies")
    description = models.TextField(null=True, blank=True)
    administrator = models.CharField(max_length=200, null=True, blank=True)
    founding_year = models.IntegerField(null=True, blank=True, db_index=True)
    launchers = models.CharField(max_length=500, blank=True, default="")
    spacecraft = models.CharField(max_length=500, blank=True, default="")
    # LL2 shows the parent as its name; the link to a stored agency is resolved by that name.
    parent_name = models.CharField(max_length=200, null=True, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    logo = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    social_logo = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    total_launch_count = models.IntegerField(null=True, blank=True, db_index=True)
    consecutive_successful_launches = models.IntegerField(null=True, blank=True, db_index=True)
    successful_launches = models.IntegerField(null=True, blank=True, db_index=True)
    failed_launches = models.IntegerField(null=True, blank=True, db_index=True)
    pending_launches = models.IntegerField(null=True, blank=True, db_index=True)
    consecutive_successful_landings = models.IntegerField(null=True, blank=True, db_index=True)
    successful_landings = models.IntegerField(null=True, blank=True, db_index=True)
    failed_landings = models.IntegerField(null=True, blank=True, db_index=True)
    attempted_landings = models.IntegerField(null=True, blank=True, db_index=True)
    successful_landings_spacecraft = models.IntegerField(null=True, blank=True)
    failed_landings_spacecraft = models.IntegerField(null=True, blank=True)
    attempted_landings_spacecraft = models.IntegerField(null=True, blank=True)
    successful_landings_payload = models.IntegerField(null=True, blank=True)
    failed_landings_payload = models.IntegerField(null=True, blank=True)
    attempted_landings_payload = models.IntegerField(null=True, blank=True)
    info_url = models.URLField(max_length=200, null=True, blank=True)
    wiki_url = models.URLField(max_length=200, null=True, blank=True)
    # Launchers are outside the spacecraft catalogue: kept as the LL2 documents that were imported.
    launcher_list = DocumentField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class AgencyCountry(models.Model):
    """An agency's countries, in LL2's order."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE)
    country = models.ForeignKey(Country, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["agency", "country"], name="agency_country_once")]


class SocialMedia(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255, blank=True, default="")
    url = models.URLField(max_length=200, null=True, blank=True)
    logo = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self):
        return self.name


class SocialMediaLink(models.Model):
    id = models.IntegerField(primary_key=True)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="social_media_links")
    social_media = models.ForeignKey(SocialMedia, on_delete=models.PROTECT)
    url = models.URLField(max_length=200, null=True, blank=True)
