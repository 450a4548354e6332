"""The public site (政府信息公开): agency homes, item lists and search, item pages and
attachment downloads. (The annual-report archive is ``reports.public``.)

Every item view starts from ``Disclosure.objects.published()``: drafts, withdrawn and
future-dated items are a 404, like anything that does not exist. Requests, cases and applicants
are never read here.
"""

from __future__ import annotations

from collections.abc import Callable

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.paginator import EmptyPage, InvalidPage
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import DetailView, ListView

from disclosure.records.models import Agency, Attachment, Category, Disclosure
from disclosure.records.uploads import (
    AlteredFile,
    check_sealed,
    content_type_for,
    refuse_altered,
    sandbox_download,
)

from .feeds import FEED_ITEMS
from .pagecache import public_memo
from .search import (
    MIN_TERM_LENGTH,
    NEWEST_FIRST,
    PER_PAGE,
    ElasticPaginator,
    disclosure_search,
    list_rows,
    mark_hits,
    search_terms,
)

GUIDE_CATEGORY = Category.Key.GUIDE  # 信息公开指南, shown on the agency home
NEWEST_ON_HOME = 10
# What other apps add to the agency home's context: functions agency → dict. ``reports`` adds
# its archive here when it starts (ReportsConfig.ready), so this app needs no import of it.
AGENCY_HOME_EXTRAS: list[Callable[[Agency], dict]] = []
# The same for an item page: functions item → dict. ``reports`` adds the link from a report's
# catalog item (信息公开年报) to the report's HTML page.
ITEM_DETAIL_EXTRAS: list[Callable[[Disclosure], dict]] = []


def public_agency(code: str) -> Agency:
    return public_memo(f"agency:{code}", lambda: get_object_or_404(Agency, code=code))


def _categories() -> list[Category]:
    return public_memo("categories", lambda: list(Category.objects.all()))


def _published(agency: Agency):
    return Disclosure.objects.published().filter(agency=agency)


def crumbs(agency: Agency | None = None, *rest: tuple[str, str | None]) -> list:
    """Breadcrumbs: 首页 › agency › … (the last one is the current page, without a link)."""
    crumbs = [("首页", reverse("disclosure:home"))]
    if agency is not None:
        crumbs.append((agency.name, agency.get_absolute_url()))
    return crumbs + list(rest)


def home(request):
    """The list of agencies, each government followed by its departments; or the only agency's
    home."""
    agencies = list(Agency.objects.order_by("code"))
    if len(agencies) == 1:
        return redirect(agencies[0])
    by_parent: dict[int | None, list[Agency]] = {}
    for agency in agencies:
        by_parent.setdefault(agency.parent_id, []).append(agency)
    rows: list[tuple[Agency, int]] = []

    def add(parent_id, depth):
        for agency in by_parent.get(parent_id, []):
            rows.append((agency, depth))
            add(agency.pk, depth + 1)

    add(None, 0)
    return render(request, "disclosure/agency_list.html", {"rows": rows})


def agency_home(request, code):
    """The catalog (主动公开目录) with counts, the newest items, the guide, the annual reports."""
    agency = public_agency(code)
    published = _published(agency)
    counts = public_memo(
        f"counts:{agency.pk}",
        lambda: {
            row["category"]: row["n"]
            for row in published.order_by().values("category").annotate(n=Count("*"))
        },
    )
    categories = [(c, counts.get(c.pk, 0)) for c in _categories()]
    newest = list(list_rows(published).order_by(*NEWEST_FIRST)[:NEWEST_ON_HOME])
    guide = published.filter(category__key=GUIDE_CATEGORY).order_by(*NEWEST_FIRST).first()
    return render(
        request,
        "disclosure/agency_home.html",
        {
            "agency": agency,
            "item_url_prefix": reverse("disclosure:item_list", args=[agency.code]),
            "categories": categories,
            "total": sum(counts.values()),
            "newest": newest,
            "guide": guide,
            "crumbs": crumbs(agency),
            **{k: v for extra in AGENCY_HOME_EXTRAS for k, v in extra(agency).items()},
        },
    )


class FilterForm(forms.Form):
    """The filter above an item list: keywords, category, year (a GET form)."""

    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=100,
        help_text="标题、文号、索引号或正文中的词；多个词用空格分开。",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "例如：通知"}),
    )
    category = forms.ChoiceField(label="分类", required=False)
    year = forms.TypedChoiceField(label="发布年份", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, categories: list[Category], years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.slug: c for c in categories}
        self.fields["category"].choices = [("", "全部分类")] + [
            (c.slug, c.name) for c in categories
        ]
        self.fields["year"].choices = [("", "全部年份")] + [(y, f"{y}年") for y in years]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.attrs = {"role": "search", "aria-label": "检索公开信息"}
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-5"),
                Column("category", css_class="col-md-3"),
                Column("year", css_class="col-md-2"),
                Column(
                    Submit("", "检索", css_class="w-100"),
                    css_class="col-md-2 align-self-start pt-md-4 mt-md-2",
                ),
            )
        )

    def clean_category(self) -> Category | None:
        return self.categories.get(self.cleaned_data["category"])

    def clean_q(self) -> list[str]:
        terms = search_terms(self.cleaned_data["q"])
        short = [t for t in terms if len(t) < MIN_TERM_LENGTH]
        if short:
            raise forms.ValidationError(
                f"关键词至少{MIN_TERM_LENGTH}个字：“{'”“'.join(short)}”太短，请换一个更具体的词。"
            )
        return terms


class ItemListView(ListView):
    """An agency's published items, filtered by category, year and keywords, newest first."""

    template_name = "disclosure/item_list.html"
    context_object_name = "items"
    paginate_by = PER_PAGE
    paginator_class = ElasticPaginator

    def get(self, request, *args, **kwargs):
        self.agency = public_agency(kwargs["code"])
        years = public_memo(f"years:{self.agency.pk}", lambda: _years(self.agency))
        categories = _categories()
        self.form = FilterForm(request.GET or None, categories=categories, years=years)
        # The rendered form is a pure function of these (see the {% cache %} in the template).
        self.form_key = (
            [(c.slug, c.name) for c in categories],
            years,
            self.form.is_bound and [request.GET.getlist(name) for name in self.form.fields],
        )
        if self.form.is_bound:
            self.form.is_valid()  # the errors are shown; the fields that are valid still filter
        self.filters = getattr(self.form, "cleaned_data", {})
        self.terms = self.filters.get("q") or []
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        items = _published(self.agency)
        if self.filters.get("category"):
            items = items.filter(category=self.filters["category"])
        if self.filters.get("year"):
            items = items.filter(published_on__year=self.filters["year"])
        return list_rows(items).order_by(*NEWEST_FIRST)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(
            queryset,
            per_page,
            page_number=self.request.GET.get("page"),
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
        )

    def paginate_queryset(self, queryset, page_size):
        if not self.terms:
            return super().paginate_queryset(queryset, page_size)
        try:
            number = int(self.request.GET.get("page") or 1)
            result = disclosure_search(queryset=queryset, terms=self.terms, page=number)
        except (ValueError, InvalidPage, EmptyPage):
            raise Http404("没有这一页。") from None
        mark_hits(result.items, self.terms)
        return (result.page.paginator, result.page, result.items, result.page.has_other_pages())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        category = self.filters.get("category")
        title = category.name if category else "主动公开信息"
        querystring = self.request.GET.copy()
        querystring.pop("page", None)
        paginator, page = context["paginator"], context["page_obj"]
        context.update(
            agency=self.agency,
            item_url_prefix=reverse("disclosure:item_list", args=[self.agency.code]),
            form=self.form,
            form_key=self.form_key,
            category=category,
            show_category=category is None,
            terms=self.terms,
            heading=title,
            # A search with many hits is not counted (see search.disclosure_search).
            total=paginator.count if paginator else None,
            more=getattr(paginator, "more", False),
            elided_range=list(paginator.get_elided_page_range(page.number, on_each_side=2))
            if paginator
            else [],
            querystring=querystring.urlencode(),
            crumbs=crumbs(self.agency, (title, None)),
        )
        return context


def _years(agency: Agency) -> list[int]:
    """The years that have published items, newest first (the year filter's choices)."""
    # Distinct years, not the span from first to last: a year with no items is no choice.
    return [day.year for day in _published(agency).dates("published_on", "year", order="DESC")]


class ItemDetailView(DetailView):
    template_name = "disclosure/item_detail.html"
    context_object_name = "item"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Disclosure.objects.published().select_related("agency", "category"),
            agency__code=self.kwargs["code"],
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        category_url = reverse("disclosure:item_list", args=[item.agency.code])
        context.update(
            agency=item.agency,
            attachments=[(a, _file_size(a.file)) for a in item.attachments.all()],
            crumbs=crumbs(
                item.agency,
                (item.category.name, f"{category_url}?category={item.category.slug}"),
                (item.title, None),
            ),
            **{k: v for extra in ITEM_DETAIL_EXTRAS for k, v in extra(item).items()},
        )
        return context


def feeds_page(request, code):
    """What the 订阅 menu opens: the feeds explained, an RSS and an Atom link per category
    (the feeds themselves are XML, which a browser shows as raw text)."""
    agency = public_agency(code)
    return render(
        request,
        "disclosure/feeds.html",
        {
            "agency": agency,
            "categories": _categories(),
            "feed_items": FEED_ITEMS,
            "crumbs": crumbs(agency, ("订阅", None)),
        },
    )


def _file_size(file) -> int | None:
    try:
        return file.size
    except OSError:  # a missing file is reported by the download view as a 404
        return None


@refuse_altered
def attachment_download(request, code, pk, attachment_pk):
    """An attachment of a published item, streamed from storage (never a raw /media/ link:
    that would serve the attachments of drafts too); a sealed one only as it was sealed."""
    item = get_object_or_404(_published(public_agency(code)), pk=pk)
    attachment = get_object_or_404(Attachment, disclosure=item, pk=attachment_pk)
    return stream_download(attachment.file, _download_name(attachment), sha256=attachment.sha256)


def _download_name(attachment: Attachment) -> str:
    name = str(attachment)
    extension = attachment.file.name.rsplit(".", 1)[-1] if "." in attachment.file.name else ""
    if extension and not name.lower().endswith(f".{extension.lower()}"):
        name = f"{name}.{extension}"
    return name


def stream_download(file, filename: str, *, sha256: str = "", **kwargs) -> FileResponse:
    """A stored file as a download a browser never renders or sniffs (see records/uploads.py):
    a type from the allowlist or a plain byte stream, ``nosniff``, ``CSP: sandbox``.

    A sealed file (``sha256``: a published report's PDF) is checked against its hash before a
    byte is sent (``AlteredFile`` if it differs: wrap the view in ``refuse_altered``) and has
    that hash as its ETag."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("文件不存在。") from None
    if sha256:
        try:
            check_sealed(handle, sha256, name=file.name)
        except AlteredFile:
            handle.close()
            raise
    kwargs.setdefault("content_type", content_type_for(filename))
    response = FileResponse(handle, as_attachment=True, filename=filename, **kwargs)
    sandbox_download(response)
    if sha256:
        response["ETag"] = f'"{sha256}"'
    return response


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("disclosure:sitemap"))
    body = f"User-agent: *\nDisallow: /admin/\nSitemap: {sitemap}\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
