"""GX's Data Docs page views, with their templates compiled once per process.

GX builds a new jinja environment for every Data Docs build, so each suite of a run recompiled
the same templates (about half the cost of a suite). These views are GX's own page views with a
process-wide bytecode cache: they render the same pages from the same templates. Named in the
run site's config (runner._context); GX imports this module only when it builds a site.
"""

import jinja2
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView


class _InMemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates by jinja's key; jinja checks each against its source's checksum."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _InMemoryBytecodeCache()


class PageView(DefaultJinjaPageView):
    """Validation result and expectation suite pages."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = COMPILED_TEMPLATES


class IndexPageView(DefaultJinjaIndexPageView):
    """The site's index page."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = COMPILED_TEMPLATES
