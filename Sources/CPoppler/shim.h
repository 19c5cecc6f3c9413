#include <poppler.h>
#include <glib-object.h>

// The title and the page (from 1, or 0 when unknown) of an outline entry: a PopplerAction is a union, which Swift
// reads awkwardly; this reads the one field an outline needs.
static inline char *evident_outline_title(PopplerIndexIter *iter, int *page) {
    *page = 0;
    PopplerAction *action = poppler_index_iter_get_action(iter);
    if (action == NULL) return NULL;
    char *title = NULL;
    if (action->type == POPPLER_ACTION_GOTO_DEST) {
        title = g_strdup(action->goto_dest.title);
        if (action->goto_dest.dest != NULL && action->goto_dest.dest->type != POPPLER_DEST_NAMED) {
            *page = action->goto_dest.dest->page_num;
        }
    } else if (action->any.title != NULL) {
        title = g_strdup(action->any.title);
    }
    poppler_action_free(action);
    return title;
}

// Whether a GError says the document is encrypted and needs a password.
static inline int evident_is_encrypted_error(GError *error) {
    return error != NULL && error->domain == POPPLER_ERROR && error->code == POPPLER_ERROR_ENCRYPTED;
}

// One text attribute run: its font size and the character range it covers.
static inline void evident_attribute(GList *item, double *size, int *start, int *end, int *bold) {
    PopplerTextAttributes *attributes = (PopplerTextAttributes *)item->data;
    *size = attributes->font_size;
    *start = attributes->start_index;
    *end = attributes->end_index;
    *bold = attributes->font_name != NULL && (g_strrstr(attributes->font_name, "Bold") != NULL
        || g_strrstr(attributes->font_name, "bold") != NULL || g_strrstr(attributes->font_name, "Black") != NULL);
}
