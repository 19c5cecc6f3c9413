/// The API's description, served at `GET /openapi.json` (OpenAPI 3.1; schemas in JSON Schema 2020-12). The tests
/// check every route's responses, successes and errors, against it.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Evident",
            "version": "0.1.0",
            "description": "Search guideline passages, answer questions with quoted sentences, and ground every claim of an answer in the exact source sentences that support it. Errors have the body {\"error\": {\"status\", \"code\", \"message\"}}. A router over the servers of a sharded index (evident serve --shards) answers the same API, merged from every shard; its answers add partial and missing_shards, and its search results shard."
          },
          "paths": {
            "/health": {
              "get": {
                "operationId": "health",
                "summary": "The loaded index: name, counts, model.",
                "responses": {
                  "200": {"description": "The server is up.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
                }
              }
            },
            "/v1/page": {
              "get": {
                "operationId": "page",
                "summary": "A page of a PDF document as a PNG, the words of a quote highlighted: what a PDF citation points at.",
                "parameters": [
                  {"name": "document", "in": "query", "required": true, "schema": {"type": "string"}, "description": "The citation's document id."},
                  {"name": "page", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}, "description": "The citation's physical_page."},
                  {"name": "start", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}, "description": "The quote's start; with end, its words are highlighted."},
                  {"name": "end", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}}
                ],
                "responses": {
                  "200": {"description": "The page, drawn at 1.5 pixels per point.", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "404": {"description": "No such document, not a PDF, no such page, or the PDF is no longer where it was indexed from.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/search": {
              "post": {
                "operationId": "search",
                "summary": "Ranked passages for a query, each with its citation.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchRequest"}}}},
                "responses": {
                  "200": {"description": "The results, best first.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/ask": {
              "post": {
                "operationId": "ask",
                "summary": "An extractive answer: 3 to 6 sentences quoted from the corpus, each with its reference.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AskRequest"}}}},
                "responses": {
                  "200": {"description": "The answer.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExtractiveAnswer"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/ground": {
              "post": {
                "operationId": "ground",
                "summary": "A verdict, a support score and citations for every claim of an answer (or of a list of claims).",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GroundRequest"}}}},
                "responses": {
                  "200": {"description": "The claims in order, with their citations.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GroundedAnswer"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            }
          },
          "components": {
            "responses": {
              "BadRequest": {"description": "Malformed JSON, a missing field, a field of the wrong type, or an unknown field.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooLarge": {"description": "The body, a text or the list of claims is over the server's limit.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "UnsupportedMediaType": {"description": "The body was not sent as application/json.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unprocessable": {"description": "A value out of range, an empty text, a mode the index cannot serve, or a filter on a key the index does not have (the message lists its keys) or a comparison its values do not allow.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unavailable": {"description": "The server is busy or the request took longer than its time limit; for a router, no shard answered in time.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
              "MetadataFilter": {
                "type": "object",
                "description": "Keep only the documents whose metadata matches every key (front matter keys, PubMed's year, journal, mesh, publication_types, ..., and format; GET /health does not list them, evident info does). A value is a string or number (equal to it, text without regard to case, an item of a list value), an array (any of them), or an object of comparisons: {\"=\", \"!=\", \"<\", \"<=\", \">\", \">=\"}; the orderings need a key whose values are all numbers or dates (2024, 2024-05, 2024-05-17). Example: {\"year\": {\">=\": 2020}, \"publication_types\": [\"Randomized Controlled Trial\", \"Meta-Analysis\"]}.",
                "additionalProperties": {
                  "oneOf": [
                    {"$ref": "#/components/schemas/FilterValues"},
                    {
                      "type": "object",
                      "minProperties": 1,
                      "additionalProperties": false,
                      "properties": {
                        "=": {"$ref": "#/components/schemas/FilterValues"},
                        "!=": {"$ref": "#/components/schemas/FilterValues"},
                        "<": {"type": ["string", "number"]},
                        "<=": {"type": ["string", "number"]},
                        ">": {"type": ["string", "number"]},
                        ">=": {"type": ["string", "number"]}
                      }
                    }
                  ]
                }
              },
              "FilterValues": {
                "oneOf": [
                  {"type": ["string", "number"]},
                  {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}}
                ]
              },
              "PageReference": {
                "type": "object",
                "description": "A page of a PDF: its physical number and, when the PDF's page labels give one, its number as printed.",
                "required": ["number"],
                "additionalProperties": false,
                "properties": {"number": {"type": "integer", "minimum": 1}, "label": {"type": "string"}}
              },
              "Error": {
                "type": "object",
                "required": ["error"],
                "additionalProperties": false,
                "properties": {
                  "error": {
                    "type": "object",
                    "required": ["status", "code", "message"],
                    "additionalProperties": false,
                    "properties": {
                      "status": {"type": "integer", "minimum": 400, "maximum": 599},
                      "code": {"type": "string", "description": "Stable and machine-readable, such as invalid_json or limit_out_of_range."},
                      "message": {"type": "string", "description": "What is wrong and how to fix it."}
                    }
                  }
                }
              },
              "Health": {
                "type": "object",
                "required": ["status", "index", "documents", "passages", "sentenceVectors", "model", "version"],
                "additionalProperties": false,
                "properties": {
                  "status": {"type": "string", "enum": ["ok"]},
                  "index": {"type": "string"},
                  "documents": {"type": "integer", "minimum": 0},
                  "passages": {"type": "integer", "minimum": 0},
                  "sentenceVectors": {"type": "integer", "minimum": 0},
                  "model": {"type": ["string", "null"], "description": "The embedding model, null for a lexical-only index."},
                  "version": {"type": "string"},
                  "shard": {"type": "string", "description": "A shard's place in its split (2/3); only a shard server scoring with its cluster's statistics has it."},
                  "cluster": {"type": "string", "description": "The identity of the cluster's statistics (a shard's, or a router's shards')."},
                  "missing_shards": {"type": "array", "items": {"type": "string"}, "description": "A router: the shards that did not answer; the counts are the others'."}
                }
              },
              "SearchRequest": {
                "type": "object",
                "required": ["query"],
                "additionalProperties": false,
                "properties": {
                  "query": {"type": "string", "minLength": 1, "maxLength": 2000},
                  "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                  "mode": {"type": "string", "enum": ["lexical", "dense", "hybrid"], "description": "Default: hybrid when the index has vectors, lexical otherwise."},
                  "exact": {"type": "boolean", "default": false, "description": "Scan every passage vector even when the index has an approximate index (evident index --ann)."},
                  "probes": {"type": "integer", "minimum": 1, "maximum": 1000000, "description": "Lists an approximate search scans; default: the index's (an eighth of its lists)."},
                  "filter": {"$ref": "#/components/schemas/MetadataFilter"}
                }
              },
              "SearchResponse": {
                "type": "object",
                "required": ["query", "mode", "scoring", "results"],
                "additionalProperties": false,
                "properties": {
                  "query": {"type": "string"},
                  "mode": {"type": "string", "enum": ["lexical", "dense", "hybrid"]},
                  "scoring": {"type": "string"},
                  "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
                  "partial": {"type": "boolean", "description": "A router: true when a shard did not answer in time and the answer lacks its passages."},
                  "missing_shards": {"type": "array", "items": {"type": "string"}, "description": "A router: the shards missing from the answer (2/3)."}
                }
              },
              "SearchResult": {
                "type": "object",
                "required": ["rank", "score", "document", "title", "section", "url", "start", "end", "text", "passage", "evidence_levels", "references", "matched_terms"],
                "additionalProperties": false,
                "properties": {
                  "rank": {"type": "integer", "minimum": 1},
                  "score": {"type": "number"},
                  "document": {"type": "string", "description": "The source file's path inside the corpus."},
                  "title": {"type": "string"},
                  "section": {"type": "string"},
                  "url": {"type": ["string", "null"]},
                  "pmid": {"type": "string", "description": "The cited work's PubMed identifier, when known."},
                  "pmcid": {"type": "string", "description": "Its PubMed Central identifier (PMC…), when known."},
                  "doi": {"type": "string", "description": "Its DOI, when known."},
                  "page": {"type": "string", "description": "The first page the text lies on, as printed (the page label), else its physical number; PDF only."},
                  "physical_page": {"type": "integer", "minimum": 1, "description": "The physical page number of that page; PDF only."},
                  "pages": {"type": "array", "items": {"$ref": "#/components/schemas/PageReference"}},
                  "start": {"type": "integer", "minimum": 0, "description": "Offset of the passage in the source, in Unicode scalars."},
                  "end": {"type": "integer", "minimum": 0},
                  "text": {"type": "string"},
                  "passage": {"type": "integer", "minimum": 0, "description": "The passage's number in its index (in its shard's, from a router)."},
                  "shard": {"type": "string", "description": "A router: the shard that holds the passage (2/3)."},
                  "evidence_levels": {"type": "array", "items": {"type": "string"}},
                  "references": {"type": "array", "items": {"type": "integer"}},
                  "matched_terms": {"type": "array", "items": {"type": "string"}, "description": "Analyzed (folded, stemmed) query terms found in the passage."}
                }
              },
              "AskRequest": {
                "type": "object",
                "required": ["question"],
                "additionalProperties": false,
                "properties": {
                  "question": {"type": "string", "minLength": 1, "maxLength": 2000},
                  "sentences": {"type": "integer", "minimum": 3, "maximum": 6, "default": 5},
                  "filter": {"$ref": "#/components/schemas/MetadataFilter"}
                }
              },
              "ExtractiveAnswer": {
                "type": "object",
                "required": ["question", "answer", "sentences", "references", "requested"],
                "additionalProperties": false,
                "properties": {
                  "partial": {"type": "boolean", "description": "A router: true when a shard did not answer in time and the answer lacks its sentences."},
                  "missing_shards": {"type": "array", "items": {"type": "string"}, "description": "A router: the shards missing from the answer (2/3)."},
                  "question": {"type": "string"},
                  "requested": {"type": "integer", "description": "The sentences asked for; there are fewer when no other sentence is close enough to the question."},
                  "answer": {"type": "string", "description": "The sentences with their [n] markers."},
                  "sentences": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["text", "reference", "relevance"],
                      "additionalProperties": false,
                      "properties": {
                        "text": {"type": "string"},
                        "reference": {"type": "integer", "minimum": 1, "description": "1-based index into references."},
                        "relevance": {"type": "number"}
                      }
                    }
                  },
                  "references": {"type": "array", "items": {"$ref": "#/components/schemas/Citation"}}
                }
              },
              "Citation": {
                "type": "object",
                "required": ["document", "title", "section", "url", "quote", "start", "end", "score"],
                "additionalProperties": false,
                "properties": {
                  "document": {"type": "string"},
                  "title": {"type": "string"},
                  "section": {"type": "string"},
                  "url": {"type": ["string", "null"]},
                  "pmid": {"type": "string", "description": "The cited work's PubMed identifier, when known."},
                  "pmcid": {"type": "string", "description": "Its PubMed Central identifier (PMC…), when known."},
                  "doi": {"type": "string", "description": "Its DOI, when known."},
                  "page": {"type": "string", "description": "The first page the text lies on, as printed (the page label), else its physical number; PDF only."},
                  "physical_page": {"type": "integer", "minimum": 1, "description": "The physical page number of that page; PDF only."},
                  "pages": {"type": "array", "items": {"$ref": "#/components/schemas/PageReference"}},
                  "boxes": {"type": "array", "description": "Where the quote's words are drawn (PDF only): page, and x, y, width, height in points from the page's top-left corner.", "items": {"type": "object", "required": ["page", "x", "y", "width", "height"], "additionalProperties": false, "properties": {"page": {"type": "integer"}, "x": {"type": "number"}, "y": {"type": "number"}, "width": {"type": "number"}, "height": {"type": "number"}}}},
                  "quote": {"type": "string", "description": "The source sentence exactly as written: source[start..<end]."},
                  "start": {"type": "integer", "minimum": 0},
                  "end": {"type": "integer", "minimum": 0},
                  "score": {"type": "number"},
                  "conflicts": {"type": "array", "items": {"type": "string"}, "description": "What in the quote contradicts the claim."}
                }
              },
              "GroundRequest": {
                "type": "object",
                "additionalProperties": false,
                "description": "Exactly one of answer and claims; filter keeps the evidence to some documents.",
                "properties": {
                  "answer": {"type": "string", "minLength": 1, "maxLength": 20000},
                  "filter": {"$ref": "#/components/schemas/MetadataFilter"},
                  "claims": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 100,
                    "items": {
                      "oneOf": [
                        {"type": "string", "minLength": 1},
                        {
                          "type": "object",
                          "required": ["text"],
                          "additionalProperties": false,
                          "properties": {"id": {"type": ["string", "number"]}, "text": {"type": "string", "minLength": 1}}
                        }
                      ]
                    }
                  }
                }
              },
              "GroundedAnswer": {
                "type": "object",
                "required": ["claims"],
                "additionalProperties": false,
                "properties": {
                  "claims": {"type": "array", "items": {"$ref": "#/components/schemas/GroundedClaim"}},
                  "partial": {"type": "boolean", "description": "A router: true when a shard did not answer in time and the answer lacks its passages."},
                  "missing_shards": {"type": "array", "items": {"type": "string"}, "description": "A router: the shards missing from the answer (2/3)."}
                }
              },
              "GroundedClaim": {
                "type": "object",
                "required": ["text", "kind", "citations"],
                "additionalProperties": false,
                "properties": {
                  "id": {"type": "string"},
                  "text": {"type": "string"},
                  "kind": {"type": "string", "enum": ["claim", "not-a-claim"]},
                  "verdict": {"type": ["string", "null"], "enum": ["supported", "partially-supported", "contradicted", "unsupported", null]},
                  "support": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                  "reason": {"type": "string", "enum": ["heading", "question", "call-to-action", "boilerplate"]},
                  "citations": {"type": "array", "items": {"$ref": "#/components/schemas/Citation"}},
                  "claims": {"type": "array", "items": {"$ref": "#/components/schemas/GroundedClaim"}, "description": "The parts of a compound claim."}
                }
              }
            }
          }
        }
        """#
}
