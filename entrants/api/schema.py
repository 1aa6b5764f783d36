"""The OpenAPI schema: drf-spectacular's ``AutoSchema`` with what it cannot see in the views.

- While the analyst pages are public, a request without credentials is allowed, and each
  operation says so (``{}`` among its security requirements); when they need a login, not.
- ``ordering`` takes the fields each list is ordered by, as an enumeration.
- The refusals the API gives are documented: 400 (a filter or parameter it cannot use), 401 and
  403 (no or a bad login, when one is needed), 404, 414 (a query string too long) and 429 (over
  the rate, with ``Retry-After``); each a JSON object saying why.
"""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

REFUSALS = {
    "400": "A filter or parameter the endpoint cannot use; the body names each and why.",
    "401": "The tracker requires a login: no token or session, or a token it does not know.",
    "403": "Signed in, but not allowed.",
    "404": "No such record.",
    "414": "The query string is too long.",
    "429": "Too many requests: retry after the seconds in Retry-After.",
}


class TrackerSchema(AutoSchema):
    def get_auth(self):
        auth = super().get_auth()
        if not settings.ANALYST_LOGIN_REQUIRED and {} not in auth:
            auth.append({})
        return auth

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        fields = getattr(self.view, "ordering_fields", None)
        if fields and getattr(self.view, "action", None) == "list":
            parameters.append(
                OpenApiParameter(
                    "ordering",
                    OpenApiTypes.STR,
                    enum=[term for field in fields for term in (field, f"-{field}")],
                    description="The field to order by (- for descending); the newest "
                    "entered first unless given. sort_date: the fact's date, undated as oldest.",
                )
            )
        return parameters

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        if isinstance(responses, dict) or getattr(self.view, "action", None) is None:
            return responses
        refusals = {
            code: OpenApiResponse(response=OpenApiTypes.OBJECT, description=description)
            for code, description in REFUSALS.items()
        }
        return {"200": responses, **refusals}
