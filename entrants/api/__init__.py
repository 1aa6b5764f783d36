"""The read-only data API under ``/api/`` (Django REST framework, drf-spectacular): one module
per concern — who may read (``access``), how fast (``throttling``), pages (``pagination``),
values (``fields``, ``serializers``), responses cached by data version (``caching``), the
endpoints (``views``) and their addresses (``urls``). docs/api.md says how to use it."""
