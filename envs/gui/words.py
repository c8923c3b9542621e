"""Word lists the tasks draw names, labels and values from (ASCII only: the instruction charset)."""

BUTTON_LABELS = (
    "Save", "Cancel", "Submit", "Delete", "Share", "Edit", "Send", "Next", "Back", "Done",
    "Reply", "Archive", "Download", "Upload", "Refresh", "Search", "Settings", "Help", "Login",
    "Sign up", "Continue", "Apply", "Reset", "Confirm", "Close", "Open", "Print", "Copy",
    "Add", "Remove", "Follow", "Like", "Buy now", "Checkout", "Play", "Pause", "Skip", "Undo",
)  # fmt: skip
FIRST_NAMES = (
    "Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Iris", "Jack", "Kara",
    "Liam", "Maya", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
    "Wendy", "Xavier", "Yara", "Zack",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Clark", "Lewis",
    "Walker", "Young", "King", "Wright", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter",
)  # fmt: skip
CITIES = (
    "Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Delhi", "Rome", "Berlin", "Madrid", "Dublin",
    "Quito", "Seoul", "Hanoi", "Accra", "Sydney", "Toronto", "Vienna", "Prague", "Lisbon", "Nairobi",
)  # fmt: skip
PRODUCTS = (
    "Apples", "Bananas", "Bread", "Butter", "Cheese", "Coffee", "Eggs", "Flour", "Grapes", "Honey",
    "Jam", "Lemons", "Milk", "Oats", "Pasta", "Pears", "Rice", "Salt", "Sugar", "Tea", "Tomatoes",
    "Yogurt", "Carrots", "Onions", "Peppers", "Cookies", "Juice", "Cereal", "Beans", "Soap",
)  # fmt: skip
APPS = (
    ("Mail", "blue", "square"), ("Notes", "yellow", "square"), ("Clock", "black", "circle"),
    ("Maps", "green", "diamond"), ("Music", "pink", "star"), ("Photos", "orange", "hexagon"),
    ("Camera", "gray", "circle"), ("Weather", "blue", "circle"), ("Calendar", "red", "square"),
    ("Contacts", "brown", "circle"), ("Shop", "purple", "diamond"), ("Health", "red", "cross"),
    ("Files", "blue", "hexagon"), ("Books", "orange", "square"), ("Chat", "green", "circle"),
    ("News", "black", "square"),
)  # fmt: skip
APP_ACTIONS = (
    "New", "Search", "Share", "Sync", "Sort", "Filter", "Export", "Import", "Favorites", "Recent",
    "Trash", "Account",
)  # fmt: skip
SETTINGS = (
    "Wi-Fi", "Bluetooth", "Airplane mode", "Dark mode", "Location", "Notifications", "Auto update",
    "Battery saver", "Sounds", "Vibration", "Hotspot", "Auto rotate", "NFC", "Backup",
)  # fmt: skip
FORM_FIELDS = ("Name", "Email", "City", "Phone", "Company", "Username", "Country", "Title")
DIALOGS = (
    ("Rate this app?", "Tell us what you think.", "Not now", "Rate"),
    ("Allow notifications?", "Get alerts for updates.", "Deny", "Allow"),
    ("Update available", "A new version is ready.", "Later", "Update"),
    ("Save changes?", "You have unsaved edits.", "Discard", "Save"),
    ("Enable location?", "Maps works better with it.", "No thanks", "Enable"),
    ("Join our newsletter", "Weekly tips and news.", "Close", "Join"),
)  # fmt: skip
SONG_TITLES = (
    "Blue Horizon", "Golden Hour", "Midnight Train", "Paper Moon", "Silver Lining", "Summer Rain",
    "City Lights", "Wild Heart", "Ocean Drive", "Northern Star", "Slow Dancer", "Echoes",
    "Firefly", "Lost in Time", "Neon Dreams", "River Song", "Sunday Morning", "Velvet Sky",
    "Morning Glory", "Broken Clocks", "Dust and Gold", "Hold On", "Last Dance", "Little Wings",
    "Moonlight Road", "Open Road", "Red Balloon", "Rolling Hills", "Satellite", "Shadow Play",
    "Starlight", "Take Me Home", "Tidal Wave", "Under the Stars", "Wanderer", "Yellow Kite",
    "Paper Planes", "Glass House", "Quiet Storm", "Coastline",
)  # fmt: skip
NOTE_TITLES = (
    "Shopping list", "Meeting notes", "Trip ideas", "Book list", "Gift ideas", "Workout plan",
    "Recipe draft", "Packing list", "Garden plans", "Movie night", "Party checklist",
    "Reading notes", "Weekly goals", "Call the bank", "Car service", "Project ideas",
    "Birthday plans", "Holiday menu", "Study plan", "Podcast ideas", "Blog draft", "To do",
    "Cleaning tasks", "Wish list", "Travel budget", "Quotes", "Dentist visit", "Class schedule",
    "Moving checklist", "Plant care",
)  # fmt: skip
EMAIL_SUBJECTS = (
    "Weekly report", "Lunch on Friday?", "Your order has shipped", "Invoice 4821",
    "Team meeting moved", "Welcome aboard", "Flight confirmation", "Password reset",
    "Photos from the trip", "Quarterly review", "Project update", "Dinner plans",
    "Payment receipt", "New comment", "Dentist reminder", "Happy birthday!", "Draft contract",
    "March newsletter", "Event tickets", "Question about rent", "Holiday schedule",
    "Account statement", "Job application", "Book club notes", "Library due date",
    "Garden club", "Wedding RSVP", "Sale ends today", "Feedback request", "Shared folder",
)  # fmt: skip
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SETTINGS_PAGES = (
    "Network", "Bluetooth", "Display", "Sound", "Battery", "Storage", "Privacy", "Security",
    "Apps", "Accounts", "Language", "Date and time", "Accessibility", "About phone", "Wallpaper",
    "Updates",
)  # fmt: skip
