from django.core.management.base import BaseCommand

from disclosure.devtools.demo import load_demo


class Command(BaseCommand):
    help = "载入演示数据：温州市机关事务管理局2020年的记录，以及演示账号。可重复执行。"

    def handle(self, *args, **options):
        logins = load_demo()
        self.stdout.write("演示数据已就绪：温州市机关事务管理局（2020年）。")
        self.stdout.write("后台（网址 /admin/）登录账号：")
        for username, password, role in logins:
            self.stdout.write(f"  {role:<8} 用户名 {username:<8} 密码 {password}")
