from ninja import NinjaAPI

api = NinjaAPI(title="Kartoteka API", version="1.0.0")
