from django.urls import path

from klient.customers import contact_views, duplicate_views, exports, import_views, list_views, views

app_name = "customers"
urlpatterns = [
    path("", list_views.company_list_view, name="company_list"),
    path("contacts/", list_views.contact_list_view, name="contact_list"),
    path("bulk/", list_views.company_bulk_view, name="company_bulk"),
    path("views/", list_views.saved_view_save_view, name="saved_view_save"),
    path("views/<int:pk>/delete/", list_views.saved_view_delete_view, name="saved_view_delete"),
    path("views/<int:pk>/default/", list_views.saved_view_default_view, name="saved_view_default"),
    path("new/", views.company_create_view, name="company_create"),
    path("export.csv", exports.company_export_csv_view, name="company_export"),
    path("export.xlsx", exports.company_export_xlsx_view, name="company_export_xlsx"),
    path("contacts/export.csv", exports.contact_export_csv_view, name="contact_export"),
    path("contacts/export.xlsx", exports.contact_export_xlsx_view, name="contact_export_xlsx"),
    path("contacts/export.vcf", exports.contact_export_vcf_view, name="contact_export_vcf"),
    path("import/", import_views.import_upload_view, name="import_upload"),
    path("import/<int:pk>/mapping/", import_views.import_mapping_view, name="import_mapping"),
    path("import/<int:pk>/preview/", import_views.import_preview_view, name="import_preview"),
    path("import/<int:pk>/progress/", import_views.import_progress_view, name="import_progress"),
    path("import/<int:pk>/result/", import_views.import_result_view, name="import_result"),
    path("import/<int:pk>/rejected.csv", import_views.import_rejected_view, name="import_rejected"),
    path("<int:pk>/", views.company_detail_view, name="company_detail"),
    path("<int:pk>/edit/", views.company_edit_view, name="company_edit"),
    path("<int:pk>/delete/", views.company_delete_view, name="company_delete"),
    path("<int:pk>/history/", views.company_history_view, name="company_history"),
    path("<int:pk>/account-team/", views.company_account_team_add_view, name="company_account_team_add"),
    path(
        "<int:pk>/account-team/<int:user_id>/remove/",
        views.company_account_team_remove_view,
        name="company_account_team_remove",
    ),
    # The client card's actions, files and the company chooser.
    path("<int:pk>/reviewed/", views.company_reviewed_view, name="company_reviewed"),
    path("<int:pk>/timeline/", views.company_timeline_view, name="company_timeline"),
    path("<int:pk>/notes/", views.company_note_add_view, name="company_note_add"),
    path("<int:pk>/files/", views.company_file_upload_view, name="company_file_upload"),
    path("files/<int:pk>/", views.attachment_download_view, name="attachment_download"),
    path("files/<int:pk>/delete/", views.attachment_delete_view, name="attachment_delete"),
    path("choices/", views.company_choices_view, name="company_choices"),
    # Contact pages (the contact list is with the lists).
    path("<int:pk>/contacts/new/", contact_views.contact_create_view, name="contact_create"),
    path("contacts/<int:pk>/", contact_views.contact_detail_view, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contact_views.contact_edit_view, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contact_views.contact_delete_view, name="contact_delete"),
    path("contacts/<int:pk>/left/", contact_views.contact_left_view, name="contact_left"),
    path("contacts/<int:pk>/move/", contact_views.contact_move_view, name="contact_move"),
    path("contacts/<int:pk>/notes/", contact_views.contact_note_add_view, name="contact_note_add"),
    # Duplicates: the finder and the merge screens.
    path("duplicates/", duplicate_views.company_duplicates_view, name="company_duplicates"),
    path("duplicates/contacts/", duplicate_views.contact_duplicates_view, name="contact_duplicates"),
    path("<int:pk>/merge/<int:drop_pk>/", duplicate_views.company_merge_view, name="company_merge"),
    path("contacts/<int:pk>/merge/<int:drop_pk>/", duplicate_views.contact_merge_view, name="contact_merge"),
]
