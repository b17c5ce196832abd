"""The pages' texts in the web front's four languages: English, French, Arabic (right to left), Ukrainian.

The language is the first supported one of ``ui_locales`` (OpenID Connect), else of ``lang``, else of the
browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr", "ar", "uk")
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})

_TEXTS: dict[str, tuple[str, str, str, str]] = {
    # key: (en, fr, ar, uk)
    "sign_in_to": ("Sign in to {client}", "Se connecter à {client}", "تسجيل الدخول إلى {client}", "Увійти до {client}"),
    "dev_note": (
        "Abri development identity provider: demo accounts only. Their passwords: {command}.",
        "Fournisseur d'identité de développement d'Abri : comptes de démonstration uniquement. Leurs mots de passe : {command}.",
        "مزوّد الهوية التجريبي لـ Abri: حسابات تجريبية فقط. كلمات مرورها: {command}.",
        "Постачальник ідентичності Abri для розробки: лише демонстраційні облікові записи. Їхні паролі: {command}.",
    ),
    "username": ("Username", "Identifiant", "اسم المستخدم", "Ім'я користувача"),
    "password": ("Password", "Mot de passe", "كلمة المرور", "Пароль"),
    "sign_in": ("Sign in", "Se connecter", "تسجيل الدخول", "Увійти"),
    "wrong_password": (
        "Wrong username or password.",
        "Identifiant ou mot de passe incorrect.",
        "اسم المستخدم أو كلمة المرور غير صحيحة.",
        "Неправильне ім'я користувача або пароль.",
    ),
    "form_expired": (
        "This form expired. Please sign in again.",
        "Ce formulaire a expiré. Veuillez vous reconnecter.",
        "انتهت صلاحية هذا النموذج. يرجى تسجيل الدخول مجددًا.",
        "Термін дії форми минув. Увійдіть ще раз.",
    ),
    "otp_title": ("Two-step verification", "Vérification en deux étapes", "التحقق بخطوتين", "Двоетапна перевірка"),
    "otp_intro": (
        "{name}, open your authenticator app and type the 6-digit code it shows for Abri.",
        "{name}, ouvrez votre application d'authentification et saisissez le code à 6 chiffres qu'elle affiche pour Abri.",
        "{name}، افتح تطبيق المصادقة واكتب الرمز المكوّن من 6 أرقام الذي يعرضه لـ Abri.",
        "{name}, відкрийте застосунок автентифікації та введіть 6-значний код, який він показує для Abri.",
    ),
    "otp_stepup": (
        "This action needs a second step, even though you are signed in.",
        "Cette action demande une seconde étape, même si vous êtes connecté·e.",
        "يتطلب هذا الإجراء خطوة ثانية، حتى وأنت مسجّل الدخول.",
        "Ця дія потребує другого кроку, навіть якщо ви вже увійшли.",
    ),
    "otp_label": (
        "Code from your app (6 digits)",
        "Code de votre application (6 chiffres)",
        "الرمز من تطبيقك (6 أرقام)",
        "Код із застосунку (6 цифр)",
    ),
    "verify": ("Verify", "Valider", "تحقّق", "Підтвердити"),
    "wrong_code": (
        "This code is not right. Check the time on your phone and try again.",
        "Ce code n'est pas le bon. Vérifiez l'heure de votre téléphone et réessayez.",
        "هذا الرمز غير صحيح. تحقّق من الوقت على هاتفك وحاول مجددًا.",
        "Код неправильний. Перевірте час на телефоні та спробуйте ще раз.",
    ),
    "replayed_code": (
        "This code was already used. Wait for the next one.",
        "Ce code a déjà servi. Attendez le suivant.",
        "تم استخدام هذا الرمز من قبل. انتظر الرمز التالي.",
        "Цей код уже використано. Дочекайтеся наступного.",
    ),
    "locked": (
        "Too many wrong codes. Try again in {minutes} min.",
        "Trop de codes erronés. Réessayez dans {minutes} min.",
        "رموز خاطئة كثيرة. حاول مجددًا بعد {minutes} دقيقة.",
        "Забагато неправильних кодів. Спробуйте ще раз через {minutes} хв.",
    ),
    "recovery_legend": (
        "Lost your phone? Use a recovery code",
        "Téléphone perdu ? Utilisez un code de secours",
        "فقدت هاتفك؟ استخدم رمز استرداد",
        "Втратили телефон? Скористайтеся кодом відновлення",
    ),
    "recovery_label": ("Recovery code", "Code de secours", "رمز الاسترداد", "Код відновлення"),
    "use_recovery": (
        "Use this recovery code",
        "Utiliser ce code de secours",
        "استخدم رمز الاسترداد هذا",
        "Використати цей код відновлення",
    ),
    "wrong_recovery": (
        "This recovery code is not valid (each one works once).",
        "Ce code de secours n'est pas valable (chacun ne sert qu'une fois).",
        "رمز الاسترداد هذا غير صالح (كل رمز يعمل مرة واحدة).",
        "Цей код відновлення недійсний (кожен діє лише один раз).",
    ),
    "dev_code": (
        "Development only: the current code of this demo account is",
        "Développement uniquement : le code actuel de ce compte de démonstration est",
        "للتطوير فقط: الرمز الحالي لهذا الحساب التجريبي هو",
        "Лише для розробки: поточний код цього демонстраційного облікового запису —",
    ),
    "enrol_title": (
        "Set up two-step verification",
        "Activer la vérification en deux étapes",
        "إعداد التحقق بخطوتين",
        "Налаштування двоетапної перевірки",
    ),
    "enrol_required": (
        "Your role requires a second step at each sign-in: a code from an app on your phone.",
        "Votre rôle exige une seconde étape à chaque connexion : un code donné par une application de votre téléphone.",
        "يتطلب دورك خطوة ثانية عند كل تسجيل دخول: رمز من تطبيق على هاتفك.",
        "Ваша роль вимагає другого кроку під час кожного входу: коду із застосунку на телефоні.",
    ),
    "enrol_step1": (
        "Install an authenticator app (for example FreeOTP, Aegis or Google Authenticator).",
        "Installez une application d'authentification (par exemple FreeOTP, Aegis ou Google Authenticator).",
        "ثبّت تطبيق مصادقة (مثل FreeOTP أو Aegis أو Google Authenticator).",
        "Установіть застосунок автентифікації (наприклад, FreeOTP, Aegis або Google Authenticator).",
    ),
    "enrol_step2": (
        "Scan this QR code with it, or type the key below.",
        "Scannez ce QR code avec elle, ou saisissez la clé ci-dessous.",
        "امسح رمز QR هذا به، أو اكتب المفتاح أدناه.",
        "Відскануйте цей QR-код або введіть ключ нижче.",
    ),
    "enrol_step3": (
        "Type the 6-digit code the app then shows.",
        "Saisissez le code à 6 chiffres que l'application affiche alors.",
        "اكتب الرمز المكوّن من 6 أرقام الذي يعرضه التطبيق.",
        "Введіть 6-значний код, який покаже застосунок.",
    ),
    "qr_title": (
        "QR code to scan with your authenticator app",
        "QR code à scanner avec votre application d'authentification",
        "رمز QR للمسح بتطبيق المصادقة",
        "QR-код для сканування застосунком автентифікації",
    ),
    "secret_label": (
        "Key to type if you cannot scan",
        "Clé à saisir si vous ne pouvez pas scanner",
        "المفتاح لكتابته إن لم تتمكن من المسح",
        "Ключ для введення, якщо не вдається відсканувати",
    ),
    "turn_on": ("Turn on", "Activer", "تفعيل", "Увімкнути"),
    "codes_title": ("Your recovery codes", "Vos codes de secours", "رموز الاسترداد الخاصة بك", "Ваші коди відновлення"),
    "codes_intro": (
        "Two-step verification is on. Keep these 10 codes somewhere safe, printed or written down: each one lets you "
        "sign in once without your phone. They are shown only now.",
        "La vérification en deux étapes est activée. Gardez ces 10 codes en lieu sûr, imprimés ou notés : chacun permet "
        "de se connecter une fois sans votre téléphone. Ils ne sont affichés que maintenant.",
        "تم تفعيل التحقق بخطوتين. احتفظ بهذه الرموز العشرة في مكان آمن، مطبوعة أو مكتوبة: كل رمز يتيح لك تسجيل الدخول "
        "مرة واحدة دون هاتفك. لن تُعرض إلا الآن.",
        "Двоетапну перевірку ввімкнено. Збережіть ці 10 кодів у надійному місці, надрукованими або записаними: кожен "
        "дозволяє один раз увійти без телефону. Їх показано лише зараз.",
    ),
    "continue": ("I have kept them, continue", "Je les ai conservés, continuer", "احتفظت بها، متابعة", "Я їх зберіг(ла), продовжити"),
    "account_title": ("Account security", "Sécurité du compte", "أمان الحساب", "Безпека облікового запису"),
    "account_name": ("your Abri account", "votre compte Abri", "حسابك في Abri", "ваш обліковий запис Abri"),
    "account_fresh": (
        "For your security, sign in again to change these settings.",
        "Par sécurité, reconnectez-vous pour modifier ces réglages.",
        "حفاظًا على أمانك، سجّل الدخول مجددًا لتغيير هذه الإعدادات.",
        "З міркувань безпеки увійдіть ще раз, щоб змінити ці налаштування.",
    ),
    "status_on": (
        "Two-step verification is on. Recovery codes left: {count}.",
        "La vérification en deux étapes est activée. Codes de secours restants : {count}.",
        "التحقق بخطوتين مفعّل. رموز الاسترداد المتبقية: {count}.",
        "Двоетапну перевірку ввімкнено. Залишилося кодів відновлення: {count}.",
    ),
    "status_off": (
        "Two-step verification is off. Turn it on to protect your account: each sign-in will then also ask for a code "
        "from an app on your phone.",
        "La vérification en deux étapes est désactivée. Activez-la pour protéger votre compte : chaque connexion "
        "demandera aussi un code donné par une application de votre téléphone.",
        "التحقق بخطوتين غير مفعّل. فعّله لحماية حسابك: سيطلب كل تسجيل دخول أيضًا رمزًا من تطبيق على هاتفك.",
        "Двоетапну перевірку вимкнено. Увімкніть її, щоб захистити обліковий запис: кожен вхід також запитуватиме "
        "код із застосунку на телефоні.",
    ),
    "required_note": (
        "Your role requires it: it cannot be turned off.",
        "Votre rôle l'exige : elle ne peut pas être désactivée.",
        "دورك يتطلّبه: لا يمكن إيقافه.",
        "Цього вимагає ваша роль: її не можна вимкнути.",
    ),
    "turn_on_mfa": (
        "Turn on two-step verification",
        "Activer la vérification en deux étapes",
        "تفعيل التحقق بخطوتين",
        "Увімкнути двоетапну перевірку",
    ),
    "turn_off_mfa": (
        "Turn off two-step verification",
        "Désactiver la vérification en deux étapes",
        "إيقاف التحقق بخطوتين",
        "Вимкнути двоетапну перевірку",
    ),
    "turn_off_label": (
        "Code from your app, to confirm",
        "Code de votre application, pour confirmer",
        "الرمز من تطبيقك للتأكيد",
        "Код із застосунку для підтвердження",
    ),
    "turned_off": (
        "Two-step verification is off.",
        "La vérification en deux étapes est désactivée.",
        "تم إيقاف التحقق بخطوتين.",
        "Двоетапну перевірку вимкнено.",
    ),
    "back": ("Back to Abri", "Retour à Abri", "العودة إلى Abri", "Повернутися до Abri"),
    "sign_out": ("Sign out", "Se déconnecter", "تسجيل الخروج", "Вийти"),
    "sign_out_question": (
        "Sign out of the Abri development identity provider?",
        "Se déconnecter du fournisseur d'identité de développement d'Abri ?",
        "هل تريد تسجيل الخروج من مزوّد الهوية التجريبي لـ Abri؟",
        "Вийти з постачальника ідентичності Abri для розробки?",
    ),
    "sign_out_question_to": (
        "Sign out of the Abri development identity provider and return to {client}?",
        "Se déconnecter du fournisseur d'identité de développement d'Abri et revenir à {client} ?",
        "هل تريد تسجيل الخروج من مزوّد الهوية التجريبي لـ Abri والعودة إلى {client}؟",
        "Вийти з постачальника ідентичності Abri для розробки та повернутися до {client}?",
    ),
    "signed_out": ("Signed out", "Déconnecté·e", "تم تسجيل الخروج", "Ви вийшли"),
    "signed_out_text": (
        "You are signed out of the Abri development identity provider.",
        "Vous êtes déconnecté·e du fournisseur d'identité de développement d'Abri.",
        "لقد سجّلت الخروج من مزوّد الهوية التجريبي لـ Abri.",
        "Ви вийшли з постачальника ідентичності Abri для розробки.",
    ),
    "request_refused": (
        "This sign-in request cannot be processed",
        "Cette demande de connexion ne peut pas être traitée",
        "لا يمكن معالجة طلب تسجيل الدخول هذا",
        "Цей запит на вхід неможливо обробити",
    ),
    "sign_out_refused": ("Sign-out refused", "Déconnexion refusée", "تم رفض تسجيل الخروج", "Вихід відхилено"),
    "sign_out_expired": ("Sign-out expired", "Déconnexion expirée", "انتهت صلاحية تسجيل الخروج", "Термін виходу минув"),
    "form_expired_retry": (
        "This form expired. Please try again.",
        "Ce formulaire a expiré. Veuillez réessayer.",
        "انتهت صلاحية هذا النموذج. يرجى المحاولة مجددًا.",
        "Термін дії форми минув. Спробуйте ще раз.",
    ),
}


def text(language: str, key: str, **values: object) -> str:
    """The text ``key`` in ``language`` (English when the language is unknown), with ``values`` filled in."""
    entry = _TEXTS[key]
    chosen = entry[LANGUAGES.index(language)] if language in LANGUAGES else entry[0]
    return chosen.format(**values) if values else chosen


def choose_language(ui_locales: str | None, lang: str | None, accept_language: str | None) -> str:
    """The first supported language of ``ui_locales``, then ``lang``, then ``Accept-Language``; else English."""
    for offered in ((ui_locales or "").split(), [lang or ""], (accept_language or "").split(",")):
        for item in offered:
            code = item.split(";")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE
