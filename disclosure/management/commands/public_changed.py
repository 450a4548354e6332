"""Retire every cached public page: after changing published records outside the app (SQL in
psql, a data migration), or to be sure the site shows the database as it is."""

from django.core.management.base import BaseCommand

from disclosure.public.pagecache import public_changed


class Command(BaseCommand):
    help = "清除公开网站的页面缓存（在应用之外直接修改了数据库之后使用）。"

    def handle(self, *args, **options):
        public_changed()
        self.stdout.write("公开网站的页面缓存已清除，之后的访问将按数据库的现状重新生成页面。")
