from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from disclosure.roles import ROLES, apply_roles


class Command(BaseCommand):
    help = "创建或更新“办理人员”“负责人”“系统管理员”三个角色组及其权限。"

    def handle(self, *args, **options):
        apply_roles(Group, Permission)
        self.stdout.write(f"角色已更新：{'、'.join(ROLES)}。")
