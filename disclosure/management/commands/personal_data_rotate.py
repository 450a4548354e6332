"""Re-encrypt applicants' ID numbers and phones with the newest key (docs/personal-data.md).

python manage.py personal_data_rotate --generate   # print a new key
PERSONAL_DATA_KEYS=NEW,OLD python manage.py personal_data_rotate
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from disclosure import crypto
from disclosure.online.models import OnlineApplication
from disclosure.records import personal


class Command(BaseCommand):
    help = (
        "用 PERSONAL_DATA_KEYS 中的第一个（最新）密钥重新加密所有申请人的证件号码和联系电话，"
        "并重新计算证件号码的密钥散列（更换 PERSONAL_DATA_INDEX_KEY 之后）。"
        "旧密钥须仍列在 PERSONAL_DATA_KEYS 中；完成后即可删除旧密钥。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--generate", action="store_true", help="只生成并打印一个新密钥，不改动数据"
        )
        parser.add_argument(
            "--no-vacuum",
            action="store_true",
            help="不整理数据库文件（旧密文会留在数据库文件的空闲空间中，直到被覆盖）",
        )

    def handle(self, *args, generate, no_vacuum, **options):
        if generate:
            self.stdout.write(crypto.generate_key())
            return
        try:
            with transaction.atomic():
                done = personal.personal_data_rotate()
                # The applications waiting in the 网上申请 queue hold the same kind of data.
                online = personal.reencrypt_columns(OnlineApplication, ("id_number", "phone"))
        except crypto.DecryptionError as exc:
            raise CommandError(f"{exc} 未改动任何数据。") from None
        if not no_vacuum:
            personal.vacuum_request_tables()
        current = crypto.keyring().current
        self.stdout.write(
            f"检查 {done.checked} 条有证件号码或电话的申请：重新加密 {done.reencrypted} 个值，"
            f"网上申请 {online} 个值，"
            f"更新 {done.reindexed} 个密钥散列。所有值现已用密钥 {current} 加密，"
            "可以从 PERSONAL_DATA_KEYS 中删除其他密钥。"
        )
