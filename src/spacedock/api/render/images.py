"""Image: LL2's `Image` with its licence and variants, shared by every shape that shows a picture."""
from spacedock.catalog.models import Image, ImageVariant

from .kinds import Kind, grouped


class ImageKind(Kind):
    shared = True
    name = "image"
    model = Image
    columns = ("id", "name", "image_url", "thumbnail_url", "credit", "license_id", "license__name",
               "license__priority", "license__link", "single_use")

    def fetch(self, ids, ctx):
        rows = list(super().fetch(ids, ctx))
        variants = grouped(
            (v["image_id"], {"id": v["id"], "type": {"id": v["type_id"], "name": v["type__name"]},
                             "image_url": v["image_url"]})
            for v in ImageVariant.objects.filter(image_id__in=ids).order_by("id")
            .values("id", "image_id", "type_id", "type__name", "image_url")
        )
        for row in rows:
            row["variants"] = variants.get(row["id"], [])
        return rows

    def render(self, row, refs):
        return {
            "id": row["id"],
            "name": row["name"],
            "image_url": row["image_url"],
            "thumbnail_url": row["thumbnail_url"],
            "credit": row["credit"],
            "license": {
                "id": row["license_id"],
                "name": row["license__name"],
                "priority": row["license__priority"],
                "link": row["license__link"],
            },
            "single_use": row["single_use"],
            "variants": row["variants"],
        }


IMAGE = ImageKind()
