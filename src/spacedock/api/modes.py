"""The `mode` parameter: which of an endpoint's shapes to render."""
from rest_framework.exceptions import ValidationError


def shape_for(request, endpoint, default_mode):
    """The endpoint's shape for `?mode=`, or its default; an unknown mode is a 400, not a silent default."""
    mode = request.query_params.get("mode") or default_mode
    try:
        return endpoint.modes[mode]
    except KeyError:
        choices = ", ".join(endpoint.modes)
        raise ValidationError({"mode": [f"'{mode}' is not a mode of this endpoint; choose from {choices}."]}) from None
