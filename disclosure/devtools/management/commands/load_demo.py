from django.core.management.base import BaseCommand, CommandError

from disclosure.devtools.demo import NotADemoDatabase, load_demo


class Command(BaseCommand):
    help = (
        "载入演示数据：温州市机关事务管理局2020年的记录，以及演示账号。"
        "只在空数据库或演示数据库中执行（可重复执行）；其他数据库须加 --force。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="数据库中已有其他数据时也载入，并把 admin、manager、clerk 的密码重设为演示密码。",
        )

    def handle(self, *args, force=False, **options):
        try:
            logins = load_demo(force=force)
        except NotADemoDatabase as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write("演示数据已就绪：温州市机关事务管理局（2020年）。")
        self.stdout.write("后台（网址 /admin/）登录账号：")
        for username, password, role in logins:
            self.stdout.write(f"  {role:<8} 用户名 {username:<8} 密码 {password}")
        self.stdout.write(
            "超级管理员和负责人首次登录时，须用手机上的身份验证器 App 扫码绑定动态口令"
            "（任一支持 TOTP 的 App），之后每次登录输入它显示的6位数字。"
        )
