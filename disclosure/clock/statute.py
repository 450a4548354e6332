"""The statutory numbers of days, each in one place: the clock, the models' constraints and help
texts, the letters and the commands read them from here."""

ANSWER_DAYS = 20  # 条例第三十三条第二款
MAX_EXTENSION_DAYS = 20  # 条例第三十三条第二款
CORRECTION_NOTICE_DAYS = 7  # 条例第三十条
CONSULTATION_DAYS = 15  # 条例第三十二条、第三十四条
FEE_PAYMENT_DAYS = 20  # 国办函〔2020〕109号
