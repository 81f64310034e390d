"""Images and their licences and variants, shared by agencies, configurations and spacecraft."""
from django.db import models

from .base import Lookup


class ImageLicense(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    priority = models.IntegerField(default=0)
    link = models.URLField(max_length=200, null=True, blank=True)

    def __str__(self):
        return self.name


class ImageVariantType(Lookup):
    pass


class Image(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    image_url = models.URLField(max_length=1024)
    thumbnail_url = models.URLField(max_length=1024)
    credit = models.CharField(max_length=255, null=True, blank=True)
    license = models.ForeignKey(ImageLicense, on_delete=models.PROTECT)
    single_use = models.BooleanField(default=False)

    def __str__(self):
        return self.name


class ImageVariant(models.Model):
    id = models.IntegerField(primary_key=True)
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="variants")
    type = models.ForeignKey(ImageVariantType, on_delete=models.PROTECT)
    image_url = models.URLField(max_length=1024)
