from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("chat.urls")),
]

handler400 = "chat.api.bad_request"
handler404 = "chat.api.not_found"
handler500 = "chat.api.server_error"
