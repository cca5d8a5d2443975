"""Synthetic article pages with known per-block labels, for failure classes AEB lacks.

Each page is an HTML article on a made-up site: a body built from a small built-in
corpus of neutral sentences (several topics and languages), wrapped in one of several
layouts, with boilerplate placed where real sites put it -- including *inside* the
content container (read-time lines, repeated titles, "related" links, newsletter boxes,
promo blurbs, teaser lists, "Write to X at" lines, company "about" footers) -- plus
restated paragraphs (a later paragraph paraphrasing an earlier one).

Every visible text element of the page is recorded as a block
``{"text", "label": "keep"|"drop", "reason", "kind", "class"}`` in reading order;
``reason`` uses the pipeline's reason vocabulary (``document.REASONS``), ``class`` is the
finer failure class. ``body`` is the true article text without the headline, paragraphs
separated by a blank line (the AEB ground-truth convention).

The phrases here (``TRAIN_BANK``, ``SITES``, ``CORPUS``) are for training only. The
hand-written failure-class pages in ``tests/pages/`` use different wording on purpose, so
those tests measure generalisation rather than memorisation.

>>> pages = list(generate(3, seed=1))
>>> pages[0].to_dict().keys()
dict_keys(['id', 'url', 'html', 'title', 'lang', 'layout', 'body', 'blocks'])
"""

from __future__ import annotations

import html as _html
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detector.atomic import atomic_open

# --- phrase banks (training only) ----------------------------------------------------------

# {site} {author} {email} {company} {domain} {n} {year} {topic} {title} {newsletter} {city}
TRAIN_BANK: dict[str, dict[str, list[str]]] = {
    "promo-blurb": {
        "en": [
            "Welcome to {site}! We publish fresh stories about {topic} every single day. Join our thriving community of curious readers and never miss an update.",
            "Welcome to {site}, your go-to source for everything {topic}. Join our thriving community today and share your thoughts with thousands of fellow readers.",
            "Hi, I'm {author}, the founder of {site}. I started this blog to help people like you make sense of {topic}. Grab a coffee and stay a while!",
            "{site} is an independent publication run by a small team of passionate writers. Support our work by becoming a member today.",
            "Enjoying this article? {site} is reader-supported. Become a patron and unlock ad-free reading plus exclusive member-only posts.",
            "Welcome to {site}! I am {author}, your ultimate guide to {topic}. Here you will find curated guides, honest reviews and practical tips, so join our thriving community!",
        ],
        "de": [
            "Willkommen bei {site}! Wir berichten täglich über {topic}. Werden Sie Teil unserer wachsenden Community und verpassen Sie keinen Beitrag mehr.",
            "{site} ist ein unabhängiges Magazin. Unterstützen Sie unsere Arbeit und werden Sie noch heute Mitglied.",
        ],
        "pt": [
            "Bem-vindo ao {site}! Publicamos todos os dias novidades sobre {topic}. Faça parte da nossa comunidade e não perca nenhuma atualização.",
            "O {site} é um projeto independente. Apoie o nosso trabalho e torne-se assinante hoje mesmo.",
        ],
        "ru": [
            "Добро пожаловать на {site}! Каждый день мы публикуем свежие материалы о том, что важно. Присоединяйтесь к нашему сообществу читателей.",
        ],
        "es": [
            "¡Bienvenido a {site}! Cada día publicamos historias nuevas sobre {topic}. Únete a nuestra comunidad y no te pierdas ninguna novedad.",
        ],
        "fr": [
            "Bienvenue sur {site} ! Chaque jour, nous publions des articles sur {topic}. Rejoignez notre communauté de lecteurs passionnés.",
        ],
    },
    "read-time": {
        "en": ["Estimated read time {n} min read", "{n} min read", "Reading time: {n} minutes", "{n} minute read", "Time to read: about {n} minutes"],
        "de": ["Lesezeit: {n} Minuten", "{n} Min. Lesezeit", "Geschätzte Lesedauer: {n} Minuten"],
        "pt": ["Tempo de leitura: {n} minutos", "Leitura de {n} min"],
        "ru": ["Время чтения: {n} мин", "Читать {n} минут"],
        "es": ["Tiempo de lectura: {n} minutos", "Lectura de {n} min"],
        "fr": ["Temps de lecture : {n} min", "Lecture {n} minutes"],
    },
    "teaser-heading": {
        "en": ["You May Also Like", "Related posts", "More From Author", "Recommended", "Recommended for you", "Related Articles", "Trending Now", "Popular This Week", "Editor's Picks", "Latest Stories"],
        "de": ["Das könnte Sie auch interessieren", "Mehr zum Thema", "Meistgelesen", "Empfohlene Artikel"],
        "pt": ["Veja também", "Posts relacionados", "Mais lidas", "Recomendados para você"],
        "ru": ["Читайте также", "Похожие статьи", "Популярное", "Рекомендуем"],
        "es": ["También te puede interesar", "Artículos relacionados", "Lo más leído"],
        "fr": ["À lire aussi", "Articles similaires", "Les plus lus"],
    },
    "related-inline": {
        "en": ["Related: {title}", "Read more: {title}", "See also: {title}", "RELATED: {title}", "Also read: {title}"],
        "de": ["Lesen Sie auch: {title}", "Mehr dazu: {title}"],
        "pt": ["Leia também: {title}", "Veja mais: {title}"],
        "ru": ["Читайте также: {title}", "По теме: {title}"],
        "es": ["Lee también: {title}", "Más información: {title}"],
        "fr": ["Lire aussi : {title}", "Voir aussi : {title}"],
    },
    "newsletter": {
        "en": [
            "Subscribe to our newsletter",
            "Get the best of {site} delivered to your inbox every morning.",
            "Sign up for {newsletter}",
            "Enter your email address",
            "Thanks for signing up!",
            "Oops! Something went wrong, please try again.",
            "By subscribing, you agree to our Terms of Use and Privacy Policy.",
            "Join {n},000 readers who get {newsletter} every week.",
            "Never miss a story: sign up for the {newsletter} newsletter.",
        ],
        "de": ["Newsletter abonnieren", "Jetzt kostenlos anmelden und nichts mehr verpassen.", "Vielen Dank für Ihre Anmeldung!", "Ihre E-Mail-Adresse"],
        "pt": ["Assine a nossa newsletter", "Receba as principais notícias no seu e-mail.", "Obrigado por se inscrever!", "Digite seu e-mail"],
        "ru": ["Подпишитесь на нашу рассылку", "Спасибо за подписку!", "Введите ваш e-mail"],
        "es": ["Suscríbete a nuestro boletín", "¡Gracias por suscribirte!", "Introduce tu correo electrónico"],
        "fr": ["Abonnez-vous à notre newsletter", "Merci pour votre inscription !", "Votre adresse e-mail"],
    },
    "write-to": {
        "en": ["Write to {author} at {email}", "Email {author} at {email}", "Contact the author at {email}", "{author} can be reached at {email}."],
        "de": ["Kontakt zum Autor: {email}"],
        "pt": ["Fale com o autor: {email}"],
        "ru": ["Написать автору: {email}"],
        "es": ["Escribe al autor: {email}"],
        "fr": ["Écrire à l'auteur : {email}"],
    },
    "copyright": {
        "en": ["Copyright ©{year} {company}. All Rights Reserved", "© {year} {site}. All rights reserved.", "Copyright {year} {site} - All rights reserved. Reproduction without permission is prohibited."],
        "de": ["© {year} {site}. Alle Rechte vorbehalten."],
        "pt": ["© {year} {site}. Todos os direitos reservados."],
        "ru": ["© {year} {site}. Все права защищены."],
        "es": ["© {year} {site}. Todos los derechos reservados."],
        "fr": ["© {year} {site}. Tous droits réservés."],
    },
    "reprint": {
        "en": [
            "This article was originally published on {site} and is reprinted with permission.",
            "Reprints & Permissions",
            "Appeared in the {month} {day}, {year}, print edition as '{title}'.",
            "Distributed by {company} for personal, non-commercial use only.",
            "A version of this story first appeared in the {site} weekly edition.",
        ],
        "de": ["Dieser Artikel erschien zuerst bei {site}."],
        "pt": ["Este texto foi publicado originalmente no {site}."],
        "ru": ["Материал впервые опубликован на {site}."],
        "es": ["Este artículo se publicó originalmente en {site}."],
        "fr": ["Cet article a d'abord été publié sur {site}."],
    },
    "about-footer": {
        "en": [
            "About {company}: {company} is a leading provider of {industry} solutions, serving more than {n},000 customers in {m} countries. For more information, visit {domain}.",
            "{company} is a global {industry} company headquartered in {city}. It employs around {n},000 people and its shares are listed on the stock exchange.",
            "Founded in {year_founded}, {company} helps organisations of every size simplify {industry}. Learn more at {domain}.",
            "Media contact: {author}, {email}",
        ],
        "de": ["Über {company}: {company} ist ein führender Anbieter von Industrielösungen mit Sitz in {city}."],
        "pt": ["Sobre a {company}: a {company} é líder em soluções para empresas, com sede em {city}."],
        "es": ["Acerca de {company}: {company} es un proveedor líder de soluciones empresariales con sede en {city}."],
        "fr": ["À propos de {company} : {company} est un acteur majeur des services aux entreprises, basé à {city}."],
        "ru": ["О компании {company}: {company} — ведущий поставщик решений для бизнеса."],
    },
    "share": {
        "en": ["Share this article", "Share on Facebook", "Tweet", "Share", "Email", "Copy link", "Pin it", "WhatsApp", "Share on LinkedIn"],
        "de": ["Teilen", "Artikel teilen", "Link kopieren"],
        "pt": ["Compartilhar", "Compartilhe no WhatsApp"],
        "ru": ["Поделиться", "Отправить"],
        "es": ["Compartir", "Compartir en Facebook"],
        "fr": ["Partager", "Partager sur Facebook"],
    },
    "cookie": {
        "en": [
            "We use cookies to improve your experience on our site. By continuing to browse, you agree to our use of cookies.",
            "This website uses cookies to personalise content and analyse traffic. Accept all or manage your preferences.",
            "We and our partners store and access information on your device. Click Accept to consent.",
        ],
        "de": ["Diese Website verwendet Cookies, um Ihnen das beste Erlebnis zu bieten. Mit der Nutzung stimmen Sie zu."],
        "pt": ["Este site usa cookies para melhorar a sua experiência. Ao continuar navegando, você concorda."],
        "ru": ["Мы используем файлы cookie, чтобы сайт работал лучше. Продолжая, вы соглашаетесь."],
        "es": ["Utilizamos cookies para mejorar tu experiencia. Si continúas navegando, aceptas su uso."],
        "fr": ["Nous utilisons des cookies pour améliorer votre expérience. En poursuivant, vous acceptez."],
    },
    "comments": {
        "en": ["Leave a Reply", "Your email address will not be published. Required fields are marked *", "Post Comment", "{n} Comments", "Join the discussion"],
        "de": ["Kommentar schreiben", "Ihre E-Mail-Adresse wird nicht veröffentlicht."],
        "pt": ["Deixe um comentário", "Seu e-mail não será publicado."],
        "ru": ["Оставить комментарий", "Ваш e-mail не будет опубликован."],
        "es": ["Deja un comentario", "Tu correo no será publicado."],
        "fr": ["Laisser un commentaire", "Votre adresse e-mail ne sera pas publiée."],
    },
    "byline": {
        "en": ["By {author}", "Published {month} {day}, {year}", "Updated {month} {day}, {year} at {hour}:{minute}", "{author} | {month} {day}, {year}", "Posted in {section}"],
        "de": ["Von {author}", "Veröffentlicht am {day}.{mnum}.{year}"],
        "pt": ["Por {author}", "Publicado em {day}/{mnum}/{year}"],
        "ru": ["Автор: {author}", "Опубликовано {day}.{mnum}.{year}"],
        "es": ["Por {author}", "Publicado el {day}/{mnum}/{year}"],
        "fr": ["Par {author}", "Publié le {day}/{mnum}/{year}"],
    },
    "ad-label": {
        "en": ["Advertisement", "Sponsored", "Story continues below advertisement", "ADVERTISEMENT"],
        "de": ["Anzeige", "Werbung"],
        "pt": ["Publicidade", "Continua após a publicidade"],
        "ru": ["Реклама"],
        "es": ["Publicidad"],
        "fr": ["Publicité"],
    },
    "restated-lead": {
        "en": ["In other words,", "Put simply,", "To recap,", "In short,", "Once again,", "As mentioned,"],
        "de": ["Mit anderen Worten:", "Kurz gesagt:", "Wie erwähnt:"],
        "pt": ["Em outras palavras,", "Resumindo,", "Como dissemos,"],
        "ru": ["Иначе говоря,", "Короче говоря,", "Как уже сказано,"],
        "es": ["En otras palabras,", "En resumen,", "Como dijimos,"],
        "fr": ["Autrement dit,", "En résumé,", "Comme indiqué,"],
    },
    "nav": {
        "en": ["Home", "News", "Politics", "Business", "Tech", "Science", "Sport", "Culture", "Opinion", "Contact", "About us", "Subscribe", "Log in"],
        "de": ["Startseite", "Politik", "Wirtschaft", "Kultur", "Sport", "Kontakt"],
        "pt": ["Início", "Política", "Economia", "Cultura", "Esportes", "Contato"],
        "ru": ["Главная", "Политика", "Экономика", "Культура", "Спорт", "Контакты"],
        "es": ["Inicio", "Política", "Economía", "Cultura", "Deportes", "Contacto"],
        "fr": ["Accueil", "Politique", "Économie", "Culture", "Sport", "Contact"],
    },
    "footer-links": {
        "en": ["Privacy Policy", "Terms of Service", "Advertise with us", "Careers", "Contact Us", "Sitemap"],
        "de": ["Datenschutz", "Impressum", "AGB"],
        "pt": ["Política de privacidade", "Termos de uso", "Anuncie"],
        "ru": ["Политика конфиденциальности", "Реклама на сайте"],
        "es": ["Política de privacidad", "Aviso legal"],
        "fr": ["Mentions légales", "Politique de confidentialité"],
    },
}

SITES: list[dict[str, str]] = [
    {"site": "Northwind Gazette", "domain": "northwindgazette.com", "company": "Northwind Media Group"},
    {"site": "Harbor Ledger", "domain": "harborledger.net", "company": "Harbor Ledger Inc."},
    {"site": "Tech Pulse Daily", "domain": "techpulsedaily.io", "company": "Pulse Digital LLC"},
    {"site": "Green Thumb Notes", "domain": "greenthumbnotes.blog", "company": "Green Thumb Publishing"},
    {"site": "The Civic Lantern", "domain": "civiclantern.org", "company": "Lantern Civic Trust"},
    {"site": "Orbit Weekly", "domain": "orbitweekly.com", "company": "Orbit Media Ltd"},
    {"site": "Riverbend Courier", "domain": "riverbendcourier.com", "company": "Riverbend Press Co."},
    {"site": "Stadtblick", "domain": "stadtblick.de", "company": "Stadtblick Verlag GmbH"},
    {"site": "Folha do Vale", "domain": "folhadovale.com.br", "company": "Grupo Vale Comunicação"},
    {"site": "Городской вестник", "domain": "gorvestnik.ru", "company": "ИД Вестник"},
    {"site": "El Mirador Andino", "domain": "miradorandino.es", "company": "Ediciones Mirador S.L."},
    {"site": "Le Quotidien du Quartier", "domain": "quotidienduquartier.fr", "company": "Éditions du Quartier"},
]

AUTHORS = [
    "Dana Whitfield", "Marcus Lindqvist", "Priya Raman", "Tomás Ferreira", "Helen Okafor", "Jonas Weber",
    "Sofia Marchetti", "Igor Petrov", "Lucía Herrera", "Camille Durand", "Ahmed Saleh", "Grace Liu",
]
COMPANIES = [
    ("Acme Corp", "industrial automation"), ("Brightfield Analytics", "data analytics"),
    ("Corvid Systems", "cybersecurity"), ("Delta Harvest", "agricultural technology"),
    ("Evergreen Logistics", "supply chain"), ("Fjord Energy", "renewable energy"),
]
CITIES = ["Springfield", "Lakeside", "Port Adler", "Millbrook", "Eastwick", "Ravenna Falls", "Kingsford"]
NEWSLETTERS = ["The Morning Brief", "Weekend Reads", "The Daily Digest", "Five Things", "Inside Track"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

# Neutral sentences by topic. {city} {n} {year} {person} are filled per page for variety.
CORPUS: list[dict[str, Any]] = [
    {
        "lang": "en", "topic": "urban cycling", "section": "City",
        "titles": ["How a Decade of Bike Lanes Changed the Morning Commute", "Protected Bike Lanes Reach the Outer Districts", "Why Cargo Bikes Are Replacing Delivery Vans in {city}"],
        "headings": ["Connecting the network", "What shop owners say", "The next phase", "Winter and maintenance"],
        "sentences": [
            "{city} added {n} kilometres of protected bike lanes over the past two years.",
            "Traffic counters on the river bridges recorded a steady rise in morning cyclists.",
            "Planners say the biggest gains came from connecting short, isolated stretches into a continuous network.",
            "Shop owners along the main avenue were initially worried about losing parking spaces.",
            "A survey of local businesses later found that weekend foot traffic had increased.",
            "Cargo bikes are now used by several bakeries and a pharmacy for deliveries in the old town.",
            "The transport department plans to publish its next set of counts in the spring.",
            "Critics argue that the new lanes were built faster in wealthier districts than in the outer suburbs.",
            "The council has promised to prioritise routes to schools in the next phase.",
            "Winter maintenance remains a challenge, since the snow ploughs were designed for wider roads.",
            "Researchers at the local university are studying how lane design affects the number of near misses.",
            "Early results suggest that physical barriers matter more than painted lines.",
            "Bike-share trips doubled after the operator added stations near the central railway station.",
            "Residents can comment on the proposed routes at public meetings throughout the month.",
            "{person}, who has cycled to work for {n} years, said the difference is most visible at rush hour.",
        ],
    },
    {
        "lang": "en", "topic": "ocean science", "section": "Science",
        "titles": ["Scientists Map a Hidden Reef Off the Continental Shelf", "What a Month at Sea Taught Researchers About Deep-Water Corals", "A New Survey of the Seafloor Reveals Unexpected Life"],
        "headings": ["An accidental discovery", "Life in the dark", "What comes next"],
        "sentences": [
            "The research vessel spent {n} days mapping a stretch of seafloor that had never been surveyed in detail.",
            "Sonar images revealed a reef of cold-water corals at a depth of about four hundred metres.",
            "Unlike tropical corals, these colonies grow without sunlight and feed on particles drifting down from the surface.",
            "The team used a remotely operated vehicle to collect small samples and record video.",
            "Several of the sponges they filmed may belong to species that have not yet been described.",
            "Deep-water reefs grow extremely slowly, so damage from trawling can take centuries to repair.",
            "The data will be shared with the national agency that manages fishing zones in the region.",
            "{person}, the expedition's chief scientist, said the reef appeared to be in remarkably good condition.",
            "Water samples taken near the reef will help researchers understand how ocean warming reaches greater depths.",
            "Mapping the ocean floor remains expensive, and large parts of it are still known only from satellite estimates.",
            "The expedition was funded by a consortium of universities and a private foundation.",
            "A second voyage is planned for {year} to survey the northern edge of the reef.",
            "Students on board processed the sonar data overnight so the pilots could plan the next dive.",
            "The researchers hope the site will be considered for protection under existing marine conservation rules.",
        ],
    },
    {
        "lang": "en", "topic": "gardening", "section": "Home & Garden",
        "titles": ["Community Gardens Are Growing on Vacant Lots", "How to Start a Vegetable Patch on a Shared Plot", "The Neighbours Who Turned a Car Park Into a Garden"],
        "headings": ["Getting started", "Soil and water", "Sharing the harvest"],
        "sentences": [
            "The garden began when a group of neighbours asked the city for permission to use an empty lot.",
            "Today it has {n} raised beds, a tool shed and a rainwater tank built by volunteers.",
            "Each household pays a small annual fee that covers seeds, compost and water.",
            "Tomatoes, beans and squash are the most popular crops, but some gardeners grow herbs from their home countries.",
            "Testing the soil before planting is important on former industrial land.",
            "Raised beds filled with clean soil are a common solution when contamination is a concern.",
            "Volunteers run workshops on composting and seed saving on Saturday mornings.",
            "Surplus vegetables are donated to a food bank a few streets away.",
            "{person}, one of the founding members, said the garden has become a meeting point for the whole block.",
            "The waiting list for a plot has grown every year since the garden opened.",
            "A local school brings pupils once a week to learn how vegetables are grown.",
            "The city is now considering a programme to open more vacant lots to residents.",
            "Drip irrigation has cut the garden's water use by roughly a third.",
            "Gardeners say the hardest part is not the planting but keeping volunteers involved through the winter.",
        ],
    },
    {
        "lang": "en", "topic": "small business", "section": "Business",
        "titles": ["Small Firms Rethink How They Keep the Books", "What Switching to Cloud Accounting Means for a Family Business", "Independent Shops Face a New Wave of Paperwork"],
        "headings": ["Why owners are switching", "The hidden costs", "Advice from accountants"],
        "sentences": [
            "Many small businesses still track their expenses in spreadsheets or paper ledgers.",
            "New reporting rules that take effect in {year} will require more of them to file records digitally.",
            "Accountants say the change is an opportunity to automate tasks that used to take hours each month.",
            "Subscription software can connect directly to a bank account and categorise transactions.",
            "Owners worry about monthly fees and about the time it takes to learn a new system.",
            "{person}, who runs a hardware shop in {city}, said the first month of the switch was the hardest.",
            "Chambers of commerce are offering free training sessions for their members.",
            "Some firms have found errors in their old records while migrating to the new software.",
            "Keeping receipts organised remains the most common problem that bookkeepers report.",
            "Experts recommend setting aside an hour each week to review transactions rather than leaving it to the end of the quarter.",
            "The tax office says digital records should make audits faster and less intrusive.",
            "A survey of {n} small firms found that most planned to make the switch within a year.",
            "Cash flow forecasting is the feature owners say they value most once the system is running.",
            "Smaller firms with only a few transactions a month may qualify for a simplified scheme.",
        ],
    },
    {
        "lang": "en", "topic": "astronomy", "section": "Science",
        "titles": ["Amateur Astronomers Help Track a Fading Star", "A Backyard Telescope Catches a Rare Transit", "Why Dark-Sky Parks Are Drawing More Visitors"],
        "headings": ["Watching from the backyard", "A network of observers", "Protecting dark skies"],
        "sentences": [
            "A network of amateur astronomers has been measuring the brightness of the same star every clear night for {n} months.",
            "Their observations helped professional researchers confirm that the star dims on a regular cycle.",
            "Modern cameras allow hobbyists with modest telescopes to make surprisingly precise measurements.",
            "The data is uploaded to a public archive where anyone can check the results.",
            "{person}, a retired teacher who observes from {city}, said the project gave her hobby a new purpose.",
            "Light pollution makes faint objects harder to see from most towns and cities.",
            "Several regions have created dark-sky parks where outdoor lighting is strictly limited.",
            "Visitors to these parks can often see the Milky Way with the naked eye.",
            "Astronomy clubs organise public viewing nights when a planet is well placed in the evening sky.",
            "Beginners are usually advised to start with binoculars before buying a telescope.",
            "Professional observatories cannot watch every interesting object all the time, which is where volunteers help.",
            "The team plans to publish a paper describing the star's behaviour in {year}.",
            "Cloud cover remains the main obstacle, so observers in different countries fill each other's gaps.",
        ],
    },
    {
        "lang": "en", "topic": "farming and drought", "section": "Environment",
        "titles": ["Farmers Adapt as Dry Summers Become the Norm", "A Valley Learns to Farm With Less Water", "Why Growers Are Planting Older Grain Varieties"],
        "headings": ["A drier decade", "New crops, old seeds", "Sharing water"],
        "sentences": [
            "Rainfall in the valley has been below average in {n} of the last ten summers.",
            "Some farmers have switched from maize to sorghum, which needs less water.",
            "Others are experimenting with older wheat varieties that have deeper roots.",
            "The regional water board now sets weekly limits on irrigation during dry spells.",
            "{person}, who farms near {city}, said the limits forced him to rethink his whole rotation.",
            "Soil that is covered by crop residues loses less moisture to evaporation.",
            "Agronomists recommend planting cover crops after the harvest to protect the soil over winter.",
            "Insurance payouts for drought damage have risen sharply over the past decade.",
            "A cooperative of growers shares weather data from sensors placed across the valley.",
            "Reservoirs that once filled every spring now often stay half empty.",
            "Researchers say adaptation will depend on both new techniques and fair rules for sharing water.",
            "The agriculture ministry plans to expand a grant scheme for efficient irrigation in {year}.",
            "Livestock farmers face a different problem: hay prices rise sharply in dry years.",
        ],
    },
    {
        "lang": "en", "topic": "public libraries", "section": "Culture",
        "titles": ["The Library That Lends Tools as Well as Books", "Public Libraries Extend Their Evening Hours", "How a Small-Town Library Became a Digital Help Desk"],
        "headings": ["More than books", "Help with screens", "Funding the hours"],
        "sentences": [
            "The library on Market Street now lends drills, sewing machines and camping gear alongside its books.",
            "Borrowers need only a library card and a short safety briefing for the power tools.",
            "Staff say the tool collection has brought in people who had not visited for years.",
            "Evening opening hours were extended after a survey showed demand from people who work during the day.",
            "Volunteers run weekly sessions helping older residents use online forms and video calls.",
            "{person}, the branch manager, said questions about passwords are by far the most common.",
            "Children's reading groups are full most weeks, and a second session was added in {year}.",
            "The library also offers quiet study rooms that can be booked online.",
            "Funding for the longer hours comes from a three-year grant and from the town budget.",
            "Loans of e-books have grown steadily, but printed books still make up most of the borrowing.",
            "A local historian is digitising old photographs from the library's archive.",
            "The branch recorded more than {n} thousand visits last year, its highest figure in a decade.",
            "Librarians say the building works as a warm, free place to spend time during the winter.",
        ],
    },
    {
        "lang": "de", "topic": "Energie", "section": "Wirtschaft",
        "titles": ["Eine Genossenschaft bringt Solarstrom auf die Dächer", "Wie ein Dorf seinen eigenen Strom erzeugt", "Bürgerenergie wächst trotz hoher Zinsen"],
        "teasers": ["Neue Radwege in der Innenstadt geplant", "Stadtbibliothek verlängert Öffnungszeiten", "Wochenmarkt zieht auf den Rathausplatz", "Mieten steigen langsamer als erwartet"],
        "headings": ["Vom Verein zur Genossenschaft", "Was die Mitglieder sagen", "Die nächsten Projekte"],
        "sentences": [
            "Die Energiegenossenschaft hat in den vergangenen Jahren {n} Solaranlagen auf öffentlichen Dächern installiert.",
            "Mitglieder können sich schon mit einem kleinen Betrag an den Anlagen beteiligen.",
            "Der erzeugte Strom wird zum Teil direkt in der Schule und im Rathaus verbraucht.",
            "Überschüsse werden in das örtliche Netz eingespeist und vergütet.",
            "{person}, Vorstand der Genossenschaft, sagt, das Interesse sei seit dem letzten Winter deutlich gestiegen.",
            "Schwierig bleibt die Suche nach geeigneten Dachflächen mit ausreichender Statik.",
            "Die Gemeinde stellt inzwischen auch den Parkplatz am Sportplatz für eine Überdachung zur Verfügung.",
            "Handwerksbetriebe aus der Region übernehmen die Montage und die Wartung.",
            "Steigende Zinsen haben die Finanzierung neuer Projekte teurer gemacht.",
            "Trotzdem plant die Genossenschaft für {year} eine größere Anlage auf dem Dach der Kläranlage.",
            "Bei der jährlichen Versammlung wird über die Verwendung der Gewinne abgestimmt.",
            "Ein Teil der Erträge fließt in einen Fonds für Energieberatung in einkommensschwachen Haushalten.",
            "Fachleute sehen in solchen Modellen einen Weg, die Akzeptanz für die Energiewende vor Ort zu erhöhen.",
        ],
    },
    {
        "lang": "pt", "topic": "café", "section": "Economia",
        "titles": ["Pequenos produtores de café apostam em grãos especiais", "Como a colheita de café mudou no sul de Minas", "Cooperativas ajudam cafeicultores a vender direto ao exterior"],
        "teasers": ["Prefeitura anuncia nova ciclovia no centro", "Feira livre ganha horário estendido", "Chuvas devem voltar na próxima semana", "Escola estadual inaugura laboratório de ciências"],
        "headings": ["Da lavoura à xícara", "O peso do clima", "Novos mercados"],
        "sentences": [
            "A colheita deste ano começou mais cedo por causa do calor fora de época.",
            "Muitos pequenos produtores passaram a separar os grãos de melhor qualidade para vender como café especial.",
            "O preço pago por esses lotes pode ser bem maior do que o do café comum.",
            "A cooperativa da região oferece cursos de classificação e torra para os associados.",
            "{person}, que cultiva café há {n} anos, disse que a mudança exigiu paciência e investimento.",
            "A secagem lenta em terreiros suspensos ajuda a preservar o sabor dos grãos.",
            "As geadas de alguns anos atrás ainda afetam a produção de parte das lavouras.",
            "Compradores estrangeiros visitam as fazendas para provar os lotes antes de fechar negócio.",
            "A certificação de origem é vista como uma forma de valorizar o café da região.",
            "A falta de mão de obra na época da colheita continua sendo um desafio.",
            "Algumas famílias investiram em pequenas máquinas para reduzir o trabalho manual.",
            "A expectativa é que as exportações de cafés especiais cresçam novamente em {year}.",
            "Técnicos recomendam o plantio de árvores entre os cafezais para proteger as plantas do sol forte.",
        ],
    },
    {
        "lang": "ru", "topic": "городские парки", "section": "Город",
        "titles": ["В городе обновили старый парк у реки", "Как жители помогли спланировать новый сквер", "Парки становятся местом для занятий спортом"],
        "teasers": ["В библиотеке открылся новый читальный зал", "Трамвайный маршрут продлят до вокзала", "Синоптики обещают тёплую неделю", "Школьники победили в городской олимпиаде"],
        "headings": ["Что изменилось", "Мнение жителей", "Планы на будущее"],
        "sentences": [
            "Реконструкция парка у реки продолжалась почти два года.",
            "В парке появились новые дорожки, освещение и площадки для детей.",
            "Жители заранее могли проголосовать за проекты на сайте администрации.",
            "Больше всего голосов получила идея сохранить старые липы вдоль центральной аллеи.",
            "{person}, который гуляет здесь каждое утро, говорит, что парк стал заметно чище.",
            "Летом на открытой сцене будут проходить бесплатные концерты.",
            "Для любителей бега проложили размеченную дорожку длиной {n} километра.",
            "Часть территории оставили без газона, чтобы сохранить луговые растения.",
            "Городские власти обещают обновить ещё несколько скверов в {year} году.",
            "Некоторые жители жалуются на нехватку парковочных мест рядом с парком.",
            "Экологи отмечают, что в парке снова появились редкие птицы.",
            "Волонтёры по выходным помогают ухаживать за клумбами.",
        ],
    },
    {
        "lang": "es", "topic": "agua", "section": "Medio ambiente",
        "titles": ["Los glaciares andinos pierden masa más rápido de lo previsto", "Un valle aprende a compartir el agua del deshielo", "Comunidades de montaña recuperan antiguos canales de riego"],
        "teasers": ["El mercado municipal amplía su horario", "Nueva línea de autobús conectará los barrios altos", "Los embalses recuperan nivel tras las lluvias", "Un festival de cine llega a la plaza mayor"],
        "headings": ["Un recurso cada vez más escaso", "Técnicas antiguas", "Lo que viene"],
        "sentences": [
            "Los glaciares de la cordillera han perdido una parte importante de su superficie en las últimas décadas.",
            "Muchas comunidades dependen del deshielo para regar sus cultivos durante la estación seca.",
            "En varios pueblos se están recuperando canales de riego construidos hace siglos.",
            "Estos canales permiten que el agua se filtre en el suelo y reaparezca meses después en los manantiales.",
            "{person}, presidenta de la junta de regantes, dijo que la participación de los vecinos ha sido clave.",
            "Los investigadores instalaron estaciones meteorológicas a más de cuatro mil metros de altura.",
            "Los datos ayudarán a prever cuánta agua llegará a los valles cada año.",
            "El turismo de montaña también se ve afectado por la retirada de los glaciares.",
            "Las autoridades regionales preparan un plan de gestión del agua para {year}.",
            "Algunos agricultores han cambiado a cultivos que necesitan menos riego.",
            "La cooperación entre comunidades río arriba y río abajo sigue siendo difícil.",
            "Los científicos insisten en que la adaptación debe combinar conocimiento local y datos modernos.",
        ],
    },
    {
        "lang": "fr", "topic": "boulangerie", "section": "Société",
        "titles": ["Les boulangeries de quartier misent sur l'apprentissage", "Le prix du pain, un casse-tête pour les artisans", "Une boulangerie de village rouvre grâce à ses habitants"],
        "teasers": ["La médiathèque ouvre le dimanche", "Travaux sur la ligne de tram cet été", "Le marché de Noël revient place de la Mairie", "Un nouveau parc pour les enfants du quartier"],
        "headings": ["Un métier qui recrute", "Des coûts en hausse", "Le soutien des habitants"],
        "sentences": [
            "La boulangerie du centre a rouvert ses portes après plusieurs mois de fermeture.",
            "Les habitants avaient lancé une collecte pour aider un jeune artisan à reprendre le fonds.",
            "Le prix de la farine et de l'énergie a fortement augmenté depuis deux ans.",
            "Beaucoup d'artisans ont dû revoir leurs horaires pour limiter la consommation des fours.",
            "{person}, apprentie depuis {n} mois, se lève chaque jour avant quatre heures du matin.",
            "Les centres de formation constatent un regain d'intérêt pour le métier.",
            "La baguette reste le produit le plus vendu, loin devant les viennoiseries.",
            "Certains boulangers travaillent désormais avec des farines produites dans la région.",
            "La mairie a accepté de réduire le loyer du local pendant la première année.",
            "Les clients disent apprécier de retrouver un commerce de proximité dans le village.",
            "Une nouvelle promotion d'apprentis doit commencer sa formation en {year}.",
            "Le samedi matin, la file d'attente s'étend parfois jusqu'au trottoir.",
        ],
    },
]

PERSONS = {
    "en": ["Maria Lopez", "David Chen", "Ruth Adeyemi", "Peter Novak", "Anna Kowalski", "Sam Patel", "Laura Becker"],
    "de": ["Martina Schulz", "Stefan Braun", "Katrin Vogel", "Thomas Krüger"],
    "pt": ["José Carvalho", "Ana Beatriz Souza", "Luiz Moreira", "Rita Almeida"],
    "ru": ["Алексей Смирнов", "Ольга Кузнецова", "Дмитрий Волков"],
    "es": ["Carmen Quispe", "Rosa Mamani", "Elena Rojas"],
    "fr": ["Léa Martin", "Chloé Bernard", "Inès Moreau"],
}

# Meaningless class names as well as common CMS ones: the model must not lean on them.
CONTAINER_CLASSES = ["td-post-content", "entry-content", "article-body", "post-body", "story", "content", "td-block", "x-rt", "c-7f", "blk", "mod-a", "wrap-2", "pg-main", "txt", "rich-text", "col-md-8"]
JUNK_CLASSES = ["td-block", "x-rt", "blk-3", "mod-b", "w-9", "c-box", "td-a-rec", "unit", "inline-module", "cta", "pnl", "zone-4", "sb-item", "aux"]


# --- page records --------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticPage:
    id: str
    url: str
    html: str
    title: str
    lang: str
    layout: str
    body: str
    blocks: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "html": self.html,
            "title": self.title,
            "lang": self.lang,
            "layout": self.layout,
            "body": self.body,
            "blocks": [dict(b) for b in self.blocks],
        }


# class -> (reason in the pipeline's vocabulary, block kind)
_REASONS: dict[str, tuple[str, str]] = {
    "promo-blurb": ("promo", "paragraph"),
    "newsletter": ("promo", "paragraph"),
    "about-footer": ("promo", "paragraph"),
    "cookie": ("consent", "paragraph"),
    "ad-label": ("promo", "meta"),
    "teaser-heading": ("navigation", "heading"),
    "teaser-item": ("navigation", "list"),
    "related-inline": ("navigation", "paragraph"),
    "share": ("navigation", "meta"),
    "nav": ("navigation", "list"),
    "footer-links": ("navigation", "list"),
    "comments": ("comment", "paragraph"),
    "read-time": ("page-meta", "meta"),
    "byline": ("page-meta", "meta"),
    "copyright": ("legal", "meta"),
    "reprint": ("legal", "meta"),
    "write-to": ("page-meta", "meta"),
    "repeated-title": ("repeated-title", "heading"),
    "restated": ("duplicate", "paragraph"),
}


def _esc(text: str) -> str:
    return _html.escape(text, quote=False)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class _Part:
    """An HTML fragment and the blocks it shows, in reading order."""

    html: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def __add__(self, other: _Part) -> _Part:
        return _Part(self.html + other.html, self.blocks + other.blocks)


def _join(parts: Iterable[_Part], sep: str = "\n") -> _Part:
    parts = list(parts)
    return _Part(sep.join(p.html for p in parts), [b for p in parts for b in p.blocks])


def _wrap(part: _Part, open_tag: str, close_tag: str) -> _Part:
    return _Part(open_tag + part.html + close_tag, part.blocks)


def _junk(cls: str, text: str) -> dict[str, Any]:
    reason, kind = _REASONS[cls]
    return {"text": _norm(text), "label": "drop", "reason": reason, "kind": kind, "class": cls}


def _keep(text: str, kind: str) -> dict[str, Any]:
    return {"text": _norm(text), "label": "keep", "reason": None, "kind": kind, "class": "body" if kind != "title" else "title"}


class _PageBuilder:
    """Builds one page from a seeded RNG; all randomness goes through ``self.rng``."""

    def __init__(self, rng: random.Random, page_id: str) -> None:
        self.rng = rng
        self.id = page_id
        self.topic = rng.choice(CORPUS)
        self.lang: str = self.topic["lang"]
        same_lang = [s for s in SITES if _site_lang(s) == self.lang]
        self.site = rng.choice(same_lang if same_lang and rng.random() < 0.8 else SITES)
        company, industry = rng.choice(COMPANIES)
        month = rng.randrange(12)
        self.slots = {
            "site": self.site["site"],
            "domain": self.site["domain"],
            "company": self.site["company"],
            "author": rng.choice(AUTHORS),
            "topic": self.topic["topic"],
            "newsletter": rng.choice(NEWSLETTERS),
            "year": str(rng.randint(2016, 2025)),
            "month": MONTHS[month],
            "mnum": f"{month + 1:02d}",
            "day": str(rng.randint(1, 28)),
            "hour": str(rng.randint(0, 23)),
            "minute": f"{rng.randint(0, 59):02d}",
            "section": self.topic["section"],
            "city": rng.choice(CITIES),
            "industry": industry,
            "m": str(rng.randint(3, 60)),
            "year_founded": str(rng.randint(1950, 2015)),
        }
        self.slots["email"] = self._email(self.slots["author"])
        self.about_company = company
        self.title = self._fill(rng.choice(self.topic["titles"]))
        self.slots["title"] = self.title

    # -- text helpers --
    def _email(self, name: str) -> str:
        local = re.sub(r"[^a-z]", "", name.split()[0].lower()) or "desk"
        return f"{local}@{self.site['domain']}"

    def _fill(self, template: str, **extra: str) -> str:
        slots = dict(self.slots)
        slots.setdefault("n", str(self.rng.randint(2, 40)))
        slots["person"] = self.rng.choice(PERSONS.get(self.lang, PERSONS["en"]))
        slots.update(extra)
        return template.format(**slots)

    def phrase(self, cls: str, lang: str | None = None, **extra: str) -> str:
        bank = TRAIN_BANK[cls]
        options = bank.get(lang or self.lang) or bank["en"]
        # Sites in other languages often keep some English widgets.
        if lang is None and self.lang != "en" and self.rng.random() < 0.15:
            options = bank["en"]
        return self._fill(self.rng.choice(options), n=str(self.rng.randint(2, 15)), **extra)

    def other_titles(self, k: int) -> list[str]:
        """Headlines of other (made-up) articles, for teaser lists."""
        return [title for title, _ in self.other_articles(k)]

    def other_articles(self, k: int) -> list[tuple[str, dict[str, Any]]]:
        """(headline, topic) of ``k`` other articles, mostly in the page's language."""
        pool = [(t, c) for c in CORPUS if c is not self.topic for t in c["titles"]]
        pool += [(t, self.topic) for t in self.topic.get("teasers", [])]
        same = [(t, c) for t, c in pool if c["lang"] == self.lang]
        src = same if len(same) >= k and self.rng.random() < 0.9 else pool
        return [(self._fill(t), c) for t, c in self.rng.sample(src, min(k, len(src)))]

    # -- body --
    def body_items(self) -> list[tuple[str, str]]:
        """[("p"|"h2", text)]: 4-9 paragraphs of 1-4 sentences, some sub-headings."""
        sentences = [self._fill(s) for s in self.topic["sentences"]]
        self.rng.shuffle(sentences)
        n_par = self.rng.randint(3, min(9, len(sentences)))
        items: list[tuple[str, str]] = []
        headings = list(self.topic["headings"])
        self.rng.shuffle(headings)
        use_headings = self.rng.random() < 0.45
        pos = 0
        for i in range(n_par):
            if pos >= len(sentences):
                break
            k = self.rng.choice([1, 2, 2, 3, 3, 4])
            chunk = sentences[pos : pos + k]
            pos += k
            if use_headings and i > 0 and headings and self.rng.random() < 0.4:
                items.append(("h2", headings.pop()))
            items.append(("p", " ".join(chunk)))
        return items

    def restate(self, paragraph: str) -> str:
        """A paraphrase of ``paragraph``: a lead-in, its sentences reordered, one maybe dropped."""
        sents = re.split(r"(?<=[.!?])\s+", paragraph)
        self.rng.shuffle(sents)
        if len(sents) > 2:
            sents = sents[:-1]
        lead = self.phrase("restated-lead", lang=self.lang)
        if self.lang == "en":
            sents = [_swap_synonyms(s, self.rng) for s in sents]
        first = sents[0]
        word = first.split(" ", 1)[0]
        # Lower-case the first word after a comma unless it is a name (or, in German, a noun).
        if lead.endswith(",") and _lowercasable(word, self.lang):
            first = word.lower() + first[len(word):]
        return " ".join([lead, first, *sents[1:]])


_LOWER_VOCAB = frozenset(
    w for topic in CORPUS for s in topic["sentences"] for w in re.findall(r"\w+", s) if w.islower()
)
# Capitalised words seen mid-sentence, plus place and person names: never lower-cased.
_PROPER = frozenset(
    [w for topic in CORPUS for s in topic["sentences"] for w in re.findall(r"\w+", s)[1:] if w[:1].isupper()]
    + [w for name in CITIES + [p for ps in PERSONS.values() for p in ps] for w in name.split()]
)
_SYNONYMS = {
    "said": "noted", "says": "notes", "new": "fresh", "now": "currently", "steady": "constant",
    "biggest": "largest", "important": "essential", "several": "a number of", "plans": "intends",
    "hardest": "most difficult", "problem": "difficulty", "rise": "increase",
    "recommend": "advise", "challenge": "hurdle", "grown": "increased",
}


def _lowercasable(word: str, lang: str) -> bool:
    if not word[:1].isupper() or word in _PROPER:
        return False
    if lang == "de":
        return word.lower() in _LOWER_VOCAB
    return True


def _swap_synonyms(sentence: str, rng: random.Random) -> str:
    """Replace some common words by synonyms, so a restatement is not a verbatim copy."""
    def sub(m: re.Match[str]) -> str:
        word = m.group(0)
        return _SYNONYMS[word] if rng.random() < 0.6 else word

    return re.sub(r"\b(" + "|".join(_SYNONYMS) + r")\b", sub, sentence)


def _site_lang(site: dict[str, str]) -> str:
    tld = site["domain"].rsplit(".", 1)[-1]
    return {"de": "de", "br": "pt", "ru": "ru", "es": "es", "fr": "fr"}.get(tld, "en")


# --- boilerplate elements ------------------------------------------------------------------


def _cls(b: _PageBuilder, pool: list[str] | None = None) -> str:
    return b.rng.choice(pool or JUNK_CLASSES)


def el_read_time(b: _PageBuilder) -> _Part:
    text = b.phrase("read-time")
    n = re.search(r"\d+", text)
    if n and b.rng.random() < 0.5:
        # Split over spans, as reading-time plugins do.
        pre, num, post = text[: n.start()], n.group(), text[n.end():]
        inner = f"<span>{_esc(pre.strip())}</span> <span>{num}</span> <span>{_esc(post.strip())}</span>"
    else:
        inner = _esc(text)
    tag = b.rng.choice(["p", "div", "span"])
    return _Part(f'<{tag} class="{_cls(b)}">{inner}</{tag}>', [_junk("read-time", text)])


def el_byline(b: _PageBuilder) -> _Part:
    parts = [b.phrase("byline") for _ in range(b.rng.randint(1, 2))]
    inner = " ".join(f"<span>{_esc(p)}</span>" for p in parts)
    return _Part(f'<div class="{_cls(b)}">{inner}</div>', [_junk("byline", " ".join(parts))])


def el_share(b: _PageBuilder) -> _Part:
    labels = list(dict.fromkeys(b.phrase("share") for _ in range(b.rng.randint(2, 5))))
    items = "".join(f'<li><a href="#s{i}">{_esc(t)}</a></li>' for i, t in enumerate(labels))
    return _Part(f'<ul class="{_cls(b)}">{items}</ul>', [_junk("share", t) for t in labels])


def el_repeated_title(b: _PageBuilder) -> _Part:
    t = _esc(b.title)
    style = b.rng.choice(["h2", "figcaption", "figcaption-h2", "strong"])
    if style == "h2":
        html = f'<h2 class="wp-block-heading">{t}</h2>'
    elif style == "figcaption":
        html = f'<figure class="{_cls(b)}"><img src="/img/{b.rng.randint(1, 999)}.jpg" alt="{t}"><figcaption>{t}</figcaption></figure>'
    elif style == "figcaption-h2":
        html = f'<figure class="wp-block-image"><img src="/img/{b.rng.randint(1, 999)}.jpg" alt="{t}"><figcaption><h2 class="wp-block-heading">{t}</h2></figcaption></figure>'
    else:
        html = f"<p><strong>{t}</strong></p>"
    return _Part(html, [_junk("repeated-title", b.title)])


def el_related_inline(b: _PageBuilder) -> _Part:
    title = b.other_titles(1)[0]
    text = b.phrase("related-inline", title=title)
    prefix = text[: len(text) - len(title)]
    html = f'<p class="{_cls(b)}">{_esc(prefix)}<a href="/{b.rng.randint(100, 999)}/">{_esc(title)}</a></p>'
    return _Part(html, [_junk("related-inline", text)])


def el_teaser_list(b: _PageBuilder) -> _Part:
    heading = b.phrase("teaser-heading")
    articles = b.other_articles(b.rng.randint(2, 6))
    with_dek = b.rng.random() < 0.35
    items, blocks = [], [_junk("teaser-heading", heading)]
    for i, (t, topic) in enumerate(articles):
        if with_dek and topic is not b.topic:  # never a sentence of this page's own body
            dek = b._fill(b.rng.choice(topic["sentences"]))
            items.append(f'<li><a href="/p/{i}/">{_esc(t)}</a> <span>{_esc(dek)}</span></li>')
            blocks.append(_junk("teaser-item", f"{t} {dek}"))
        else:
            items.append(f'<li><a href="/p/{i}/">{_esc(t)}</a></li>')
            blocks.append(_junk("teaser-item", t))
    htag = b.rng.choice(["h3", "h4", "div", "span"])
    html = f'<div class="{_cls(b)}"><{htag}>{_esc(heading)}</{htag}><ul>{"".join(items)}</ul></div>'
    return _Part(html, blocks)


def el_promo_blurb(b: _PageBuilder) -> _Part:
    text = b.phrase("promo-blurb")
    return _Part(f'<div class="{_cls(b)}"><p>{_esc(text)}</p></div>', [_junk("promo-blurb", text)])


def el_newsletter(b: _PageBuilder) -> _Part:
    bank = TRAIN_BANK["newsletter"].get(b.lang) or TRAIN_BANK["newsletter"]["en"]
    k = min(len(bank), b.rng.randint(2, 4))
    texts = [b._fill(t, n=str(b.rng.randint(2, 90))) for t in b.rng.sample(bank, k)]
    inner = "".join(f"<p>{_esc(t)}</p>" if i else f"<h3>{_esc(t)}</h3>" for i, t in enumerate(texts))
    html = f'<div class="{_cls(b)}">{inner}<form><input type="email" placeholder="Email"><button>OK</button></form></div>'
    return _Part(html, [_junk("newsletter", t) for t in texts])


def el_end_notes(b: _PageBuilder) -> _Part:
    """Write-to / reprint / copyright lines at the end of the story."""
    chosen = b.rng.sample(["write-to", "reprint", "copyright"], b.rng.randint(1, 3))
    parts = []
    for cls in chosen:
        text = b.phrase(cls)
        if cls == "write-to" and b.rng.random() < 0.5 and b.slots["email"] in text:
            email = b.slots["email"]
            pre, post = text.split(email, 1)
            html = f'<p><strong>{_esc(pre.strip())}</strong> <a href="mailto:{email}">{_esc(email)}</a>{_esc(post)}</p>'
        else:
            tag = b.rng.choice(["p", "p", "div", "em"])
            html = f"<{tag}>{_esc(text)}</{tag}>"
        parts.append(_Part(html, [_junk(cls, text)]))
    return _join(parts)


def el_about_footer(b: _PageBuilder) -> _Part:
    company = b.about_company
    texts = []
    bank = TRAIN_BANK["about-footer"].get(b.lang) or TRAIN_BANK["about-footer"]["en"]
    for t in b.rng.sample(bank, min(len(bank), b.rng.randint(1, 3))):
        texts.append(b._fill(t, company=company, n=str(b.rng.randint(1, 40))))
    parts = []
    if b.rng.random() < 0.5 and not texts[0].startswith(("About", "Über", "Sobre", "Acerca", "À propos", "О компании")):
        head = {"de": "Über {c}", "pt": "Sobre a {c}", "es": "Acerca de {c}", "fr": "À propos de {c}", "ru": "О компании {c}"}.get(b.lang, "About {c}")
        head = head.format(c=company)
        parts.append(_Part(f"<p><strong>{_esc(head)}</strong></p>", [_junk("about-footer", head)]))
    parts += [_Part(f"<p>{_esc(t)}</p>", [_junk("about-footer", t)]) for t in texts]
    return _wrap(_join(parts), f'<div class="{_cls(b)}"><hr>', "</div>") if b.rng.random() < 0.5 else _join(parts)


def el_cookie(b: _PageBuilder) -> _Part:
    text = b.phrase("cookie")
    return _Part(f'<div class="{_cls(b)}"><p>{_esc(text)}</p></div>', [_junk("cookie", text)])


def el_comments(b: _PageBuilder) -> _Part:
    bank = TRAIN_BANK["comments"].get(b.lang) or TRAIN_BANK["comments"]["en"]
    texts = [b._fill(t, n=str(b.rng.randint(0, 40))) for t in b.rng.sample(bank, min(2, len(bank)))]
    html = f'<div id="respond" class="{_cls(b)}"><h3>{_esc(texts[0])}</h3>' + "".join(f"<p>{_esc(t)}</p>" for t in texts[1:]) + '<form><textarea></textarea></form></div>'
    return _Part(html, [_junk("comments", t) for t in texts])


def el_nav(b: _PageBuilder) -> _Part:
    bank = TRAIN_BANK["nav"].get(b.lang) or TRAIN_BANK["nav"]["en"]
    items = b.rng.sample(bank, min(len(bank), b.rng.randint(4, 7)))
    lis = "".join(f'<li><a href="/{i}/">{_esc(t)}</a></li>' for i, t in enumerate(items))
    return _Part(f'<nav class="{_cls(b)}"><ul>{lis}</ul></nav>', [_junk("nav", t) for t in items])


def el_ad(b: _PageBuilder) -> _Part:
    text = b.phrase("ad-label")
    return _Part(f'<div class="{_cls(b)}"><span>{_esc(text)}</span><div class="slot"></div></div>', [_junk("ad-label", text)])


def el_footer(b: _PageBuilder) -> _Part:
    bank = TRAIN_BANK["footer-links"].get(b.lang) or TRAIN_BANK["footer-links"]["en"]
    links = b.rng.sample(bank, min(len(bank), 3))
    copy = b.phrase("copyright")
    html = '<footer class="site-footer"><ul>' + "".join(f'<li><a href="/l{i}">{_esc(t)}</a></li>' for i, t in enumerate(links)) + f"</ul><p>{_esc(copy)}</p></footer>"
    return _Part(html, [_junk("footer-links", t) for t in links] + [_junk("copyright", copy)])


# --- page assembly -------------------------------------------------------------------------

LAYOUTS = ("blog", "news", "chunked", "divsoup", "press")


def _body_parts(b: _PageBuilder, items: list[tuple[str, str]], para_tag: str) -> list[_Part]:
    parts = []
    for kind, text in items:
        if kind == "h2":
            tag = b.rng.choice(["h2", "h3"])
            parts.append(_Part(f"<{tag}>{_esc(text)}</{tag}>", [_keep(text, "heading")]))
        elif para_tag == "p":
            parts.append(_Part(f"<p>{_esc(text)}</p>", [_keep(text, "paragraph")]))
        else:
            parts.append(_Part(f'<div class="{_cls(b, ["txt", "para", "t-1", "c"])}">{_esc(text)}</div>', [_keep(text, "paragraph")]))
    return parts


def build_page(seed: int, index: int) -> SyntheticPage:
    """One page, fully determined by ``(seed, index)``."""
    rng = random.Random(f"detector-synthetic:{seed}:{index}")
    b = _PageBuilder(rng, f"synth-{seed}-{index:04d}")
    layout = LAYOUTS[index % len(LAYOUTS)] if rng.random() < 0.5 else rng.choice(LAYOUTS)
    items = b.body_items()
    para_tag = "div" if layout == "divsoup" else "p"
    body_parts = _body_parts(b, items, para_tag)

    # Restated paragraph: after the original, a paraphrase (dropped as a duplicate).
    p_idx = [i for i, (k, _) in enumerate(items) if k == "p" and len(re.split(r"(?<=[.!?])\s+", items[i][1])) >= 2]
    if p_idx and rng.random() < 0.3:
        src = rng.choice(p_idx)
        text = b.restate(items[src][1])
        at = rng.randint(src + 1, len(body_parts))
        tag_html = f"<p>{_esc(text)}</p>" if para_tag == "p" else f'<div class="txt">{_esc(text)}</div>'
        body_parts.insert(at, _Part(tag_html, [_junk("restated", text)]))

    # Boilerplate inside the body: inserted between paragraphs, never before the first one.
    def insert_mid(part: _Part) -> None:
        body_parts.insert(rng.randint(1, len(body_parts)), part)

    if rng.random() < 0.35:
        insert_mid(el_repeated_title(b))
    for _ in range(rng.choice([0, 0, 1, 2])):
        insert_mid(el_related_inline(b))
    if rng.random() < 0.25:
        insert_mid(el_newsletter(b))
    if rng.random() < 0.15:
        insert_mid(el_ad(b))

    top: list[_Part] = []
    if rng.random() < 0.4:
        top.append(el_read_time(b))
    if rng.random() < 0.25:
        top.append(el_share(b))
    rng.shuffle(top)

    end: list[_Part] = []
    if rng.random() < 0.35 or layout == "news":
        end.append(el_end_notes(b))
    if rng.random() < 0.3 or layout == "press":
        end.append(el_about_footer(b))
    if rng.random() < 0.3:
        end.append(el_newsletter(b))
    if rng.random() < 0.35:
        end.append(el_promo_blurb(b))
    for _ in range(rng.choice([0, 1, 1, 2])):
        end.append(el_teaser_list(b))
    if rng.random() < 0.25:
        end.append(el_share(b))

    title_part = _Part(f'<h1 class="{rng.choice(["entry-title", "headline", "t1", "post-title"])}">{_esc(b.title)}</h1>', [_keep(b.title, "title")])
    header_meta = [el_byline(b)] if rng.random() < 0.7 else []
    if rng.random() < 0.3:
        header_meta.append(el_read_time(b))
    site_header = _wrap(_Part(f'<div class="brand"><a href="/">{_esc(b.site["site"])}</a></div>', [_junk("nav", b.site["site"])]) + el_nav(b), '<header class="site-header">', "</header>")
    aside = _join([el_teaser_list(b)] + ([el_promo_blurb(b)] if rng.random() < 0.3 else []) + ([el_newsletter(b)] if rng.random() < 0.2 else []))
    aside = _wrap(aside, f'<aside class="{_cls(b, ["sidebar", "widget-area", "rail", "col-side", "x-aside"])}">', "</aside>")
    cookie = [el_cookie(b)] if rng.random() < 0.3 else []
    comments = [el_comments(b)] if rng.random() < 0.3 else []
    footer = el_footer(b)
    cclass = _cls(b, CONTAINER_CLASSES)

    if layout == "chunked":
        # Body split into chunks by full-width ad rows (wired.com-like).
        n_chunks = min(len(body_parts), rng.randint(2, 3))
        cut = sorted(rng.sample(range(1, len(body_parts)), n_chunks - 1)) if len(body_parts) > 1 else []
        bounds = [0, *cut, len(body_parts)]
        chunks = []
        for ci in range(len(bounds) - 1):
            seg = body_parts[bounds[ci] : bounds[ci + 1]]
            if ci == len(bounds) - 2:
                seg = seg + end
            chunks.append(_wrap(_join(seg), f'<div class="grid"><div class="body__container {cclass}">', '</div><div class="rail"></div></div>'))
            if ci < len(bounds) - 2:
                chunks.append(_wrap(el_ad(b), '<div class="row full-bleed">', "</div>"))
        content = _wrap(_join(top + chunks), '<div class="article__chunks">', "</div>")
    else:
        content = _wrap(_join(top + body_parts + end), f'<div class="{cclass}">', "</div>")

    if layout == "divsoup":
        article = _join([title_part, *header_meta, content])
        main = _wrap(article, f'<div class="{_cls(b, ["m", "pg", "wrap-2", "c-main"])}">', "</div>")
    else:
        head = _wrap(_join([title_part, *header_meta]), '<header class="entry-header">', "</header>")
        article = _wrap(_join([head, content, *comments]), f'<article class="{rng.choice(["post", "story", "a-1", "hentry"])}">', "</article>")
        main = _wrap(article, '<main id="main">', "</main>")
        comments = []

    page = _join(cookie + [site_header, main, aside] + comments + [footer])
    doc = (
        f'<!DOCTYPE html>\n<html lang="{b.lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_esc(b.title)} - {_esc(b.site['site'])}</title>\n"
        f'<meta property="og:title" content="{_html.escape(b.title)}">\n</head>\n'
        f"<body>\n{page.html}\n</body>\n</html>\n"
    )
    body = "\n\n".join(bl["text"] for bl in page.blocks if bl["label"] == "keep" and bl["kind"] != "title")
    slug = re.sub(r"[^a-z0-9]+", "-", b.title.lower()).strip("-") or f"post-{index}"
    url = f"https://{b.site['domain']}/{b.slots['year']}/{b.slots['mnum']}/{slug}/"
    return SyntheticPage(b.id, url, doc, b.title, b.lang, layout, body, tuple(page.blocks))


def generate(n: int = 300, seed: int = 0) -> Iterator[SyntheticPage]:
    """``n`` pages; the same ``(n, seed)`` always gives the same pages."""
    for i in range(n):
        yield build_page(seed, i)


def write_jsonl(pages: Iterable[SyntheticPage], path: Path | str) -> int:
    """Write pages as JSONL atomically (temp file + rename); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with atomic_open(path, "w", encoding="utf-8") as fh:
        for page in pages:
            fh.write(json.dumps(page.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count
